-- wrk -t2 -c32 -d30s -s intake.lua http://127.0.0.1:PORT/api/v1/complaints
local han = {"的","一","是","在","不","了","有","和","人","这","中","大","为","上","个","国","我","以","要","他"}
local counter = 0
local thread_id = 0
setup = function(thread) thread:set("thread_id", thread_id); thread_id = thread_id + 1 end
local function text(seed, n)
  local out = {}
  local x = seed
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    out[#out + 1] = han[(x % #han) + 1]
    if i % 19 == 0 then out[#out + 1] = "，" end
  end
  return table.concat(out) .. "。"
end
request = function()
  counter = counter + 1
  local n = thread_id * 100000000 + counter
  local body = string.format([[{"claimant":{"name":"王%s","email":"rights%d@citydaily.example","phone":"+86 571 8888 0000","address":"浙江省杭州市体育场路 218 号","capacity":"owner"},"work":{"title":"《%s》","description":"独家报道，第 %d 篇。","original_url":"https://citydaily.example/news/%d.html","original_text":"%s

%s"},"infringing_urls":["https://news.example/bench/%d.html"],"statements":{"good_faith":true,"accurate":true},"signature":"王","language":"zh"}]],
    text(n, 2), n, text(n + 7, 8), n, n, text(n * 3, 110), text(n * 5, 110), n % 10000)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
