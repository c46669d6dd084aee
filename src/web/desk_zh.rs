//! The staff side's Chinese: each English text of a staff page, template or handler,
//! with its Chinese. `{}` marks where a value goes, in either language's word order.

/// The Chinese for `en`, if the catalogue has it.
pub fn zh(en: &str) -> Option<&'static str> {
    Some(match en {
        "BOUNCED {}" => "已退信 {}",
        "The notice that opened this complaint." => "开启本投诉的通知。",
        "sent" => "发出",
        "Way" => "方向",
        "Every email we sent about this complaint and every message we received about it, oldest first." => {
            "我方就本投诉发出的每封邮件和收到的每封来信，按时间先后排列。"
        }
        "Correspondence" => "往来邮件",
        "Counter-notice recorded from the source's email. The claimant is being told." => {
            "已根据来源邮件登记反通知，正在通知投诉人。"
        }
        "Record the counter-notice" => "登记反通知",
        "The source's email consents to the jurisdiction of the courts" => {
            "来源邮件中同意接受法院管辖"
        }
        "Removed article" => "被删除的文章",
        "Fill in what the source's email says. It is checked as the public form checks a counter-notice, and the claimant is told." => {
            "按转载来源邮件的内容填写。系统会像公开表单一样检查这份反通知，并通知投诉人。"
        }
        "Record as a counter-notice" => "登记为反通知",
        "Email notices" => "电子邮件",
        "The API" => "API 接口",
        "The complaint form" => "投诉表单",
        "Channel" => "渠道",
        "By how complaints arrived" => "按投诉渠道",
        "from the source, in answer to our removal notice: it answers nothing by itself" => {
            "来自转载来源，回复我方删除通知：其本身不构成任何答复"
        }
        "{} file(s) kept as evidence" => "{} 个文件已作为证据保存",
        "attachment not kept: {}" => "附件未保存：{}",
        "with an email about the complaint" => "随有关本投诉的邮件提交",
        "Notice incomplete" => "通知要件不全",
        "The notice does not yet give:" => "该通知尚缺以下内容：",
        "The request, in both languages" => "请求内容（中英双语）",
        "Ask the claimant to complete the notice (the clock pauses)" => {
            "请投诉人补全通知（计时暂停）"
        }
        "by DMARC at our mail server ({})" => "经我方邮件服务器 DMARC 验证（{}）",
        "The notice as emailed" => "邮件原文",
        "From {}; subject: {}" => "发件人 {}；主题：{}",
        "Fill in what the email says; leave empty what it does not." => {
            "按邮件内容填写；邮件未提及的留空。"
        }
        "not stated" => "未说明",
        "On behalf of" => "代表",
        "Title of the work" => "作品名称",
        "Where the original is published (URL)" => "原作发表网址",
        "Signature" => "签名",
        "The email states in good faith that the use is not authorised" => {
            "邮件中有善意声明：该使用未经许可"
        }
        "The email states that the notice is accurate and the sender is the rights holder or authorised" => {
            "邮件中声明通知内容准确，且发件人是权利人或经授权"
        }
        "Save the notice's fields" => "保存通知内容",
        "The notice's fields were saved." => "通知内容已保存。",
        "Write a phone number: digits, spaces, + - ( )." => {
            "请填写电话号码：数字、空格及 + - ( )。"
        }
        "Write a web address starting with http:// or https://." => {
            "请填写以 http:// 或 https:// 开头的网址。"
        }
        "Choose one of the options offered." => "请从给出的选项中选择。",
        "This is too long." => "内容过长。",
        "Write this on one line." => "请写在一行内。",
        "This value cannot be used." => "此值无法使用。",
        "by email" => "邮件投诉",
        "notice incomplete" => "通知要件不全",
        "(not a recorded article)" => "（不是登记在册的文章）",
        "(the appeal needs another reviewer)" => "（申诉须由另一位审核员处理）",
        "(unconfirmed)" => "（未确认）",
        ", identical" => "，完全相同",
        "90th percentile time to removal" => "删除用时（第 90 百分位）",
        "; undo the provisional removal" => "；撤销临时删除",
        "A complaint naming articles from two outlets counts under each. Times are measured from the audit log. Time to removal counts from receipt, including any time spent waiting for a claimant's answer to our questions." => {
            "一件投诉若涉及两家媒体的文章，分别计入两家。时间以审计日志为准。删除用时从收到投诉时起算，包括等待投诉人答复我方问题的时间。"
        }
        "A counter-notice arrived." => "收到一份反通知。",
        "A hold on an article was released." => "一篇文章的删除状态已解除。",
        "A rejection cannot take this down: uphold the complaint to remove it." => {
            "驳回不能删除这篇文章：如需删除，请裁定投诉成立。"
        }
        "A reply came by email." => "收到一封回复邮件。",
        "API token {}" => "API 令牌 {}",
        "Add a note" => "添加备注",
        "Add a reply" => "添加常用回复",
        "Add note" => "添加备注",
        "Address" => "地址",
        "Also similar, not named by the claimant:" => "另有相似文章（投诉人未列出）：",
        "An article id is a whole number, such as 12." => "文章编号须为整数，例如 12。",
        "An internal note was added." => "添加了一条内部备注。",
        "An uphold must take down at least one article we republished: reject the complaint instead, giving the outcome for each URL." => {
            "裁定成立时至少须删除一篇本站转载的文章；否则请驳回投诉，并为每个网址给出结果。"
        }
        "Another saved reply already has this name: choose another." => {
            "已有另一条常用回复使用这个名称，请换一个。"
        }
        "Appeal" => "申诉",
        "Appeals" => "申诉",
        "Article" => "文章",
        "Article id" => "文章编号",
        "Articles removed provisionally at a missed deadline" => "逾期时临时删除的文章",
        "Articles restored" => "恢复的文章",
        "Asked the claimant for more information; the clock paused." => {
            "已要求投诉人补充材料；计时暂停。"
        }
        "Assign" => "分派",
        "Assign to" => "分派给",
        "Assigned." => "已分派。",
        "Back to the queue" => "返回审核队列",
        "By source outlet" => "按来源媒体",
        "Capacity" => "身份",
        "Change password" => "修改密码",
        "Change your password" => "修改密码",
        "Check the case, then confirm it below: until then the content still returns on schedule." => {
            "请核实案件后在下方确认；确认之前，内容仍会按期恢复。"
        }
        "Chinese (中文)" => "中文",
        "Choose a decision: uphold, reject or request information." => {
            "请选择一项决定：成立、驳回或要求补充材料。"
        }
        "Choose a status from the list." => "请从列表中选择一个状态。",
        "Choose the decision this reply is for: uphold, reject or request information." => {
            "请选择此回复适用的决定：成立、驳回或要求补充材料。"
        }
        "Choose uphold, reject or not ours for this URL." => {
            "请为此网址选择：成立、驳回或不是本站内容。"
        }
        "Claim" => "认领",
        "Claimant" => "投诉人",
        "Claimant contains" => "投诉人包含",
        "Claimant name, email or organisation" => "投诉人姓名、邮箱或机构",
        "Claimant's answer" => "投诉人的答复",
        "Claimant's text" => "投诉人提供的文本",
        "Clear" => "清除",
        "Clock pauses" => "计时暂停",
        "Closed as incomplete: no answer in time." => "因材料不完整而关闭：未在期限内答复。",
        "Closed incomplete (no answer to our questions)" => "未补充材料而结案",
        "Code or reference" => "查询码或编号",
        "Complaint" => "投诉",
        "Complaint #{}" => "投诉 #{}",
        "Complaint #{} is already assigned to {}." => "投诉 #{} 已分派给 {}。",
        "Complaint #{} is already decided." => "投诉 #{} 已作出决定。",
        "Complaint queue" => "投诉审核队列",
        "Complaints received" => "收到投诉",
        "Complaints received from {} to {} (UTC, both days included), " => {
            "{} 至 {}（UTC，含首尾两天）收到的投诉，"
        }
        "Complaints received per week" => "每周收到的投诉",
        "Confirm legal action" => "确认诉讼",
        "Containment" => "包含度",
        "Counter-notices" => "反通知",
        "Current password" => "当前密码",
        "Deadline" => "期限",
        "Deadlines missed" => "逾期",
        "Decide" => "作出决定",
        "Decided on appeal: {}." => "申诉决定：{}。",
        "Decided over another reviewer's claim." => "在另一位审核员认领的情况下作出了决定。",
        "Decided within the deadline" => "按时决定",
        "Decided: {}." => "决定：{}。",
        "Decision" => "决定",
        "Decision recorded: rejected. The claimant is being told why and how to appeal." => {
            "决定已记录：驳回。正在通知投诉人理由及申诉方式。"
        }
        "Decision recorded: upheld. The targets are down; the claimant and the source are being told." => {
            "决定已记录：成立。相关内容已删除，正在通知投诉人和来源方。"
        }
        "Decisions reversed on appeal" => "申诉后改判",
        "Delete" => "删除",
        "Delivery" => "投递",
        "Description" => "说明",
        "Each URL (optional): by default an uphold takes down each recorded article and finds any other URL not ours; a rejection leaves each up" => {
            "逐个网址（可选）：默认情况下，裁定成立会删除每篇登记在册的文章，其他网址视为不是本站内容；驳回则全部保留"
        }
        "Edit" => "编辑",
        "Edit the reply" => "编辑常用回复",
        "Editor" => "编辑",
        "Email" => "电子邮箱",
        "Email bounced." => "邮件被退回。",
        "Email sent ({})." => "已发送邮件（{}）。",
        "Email sent." => "已发送邮件。",
        "Email to read" => "待阅邮件",
        "Emails" => "邮件",
        "Emails and webhooks that failed for good" => "最终投递失败的邮件和 Webhook",
        "Ended" => "结束",
        "English" => "英文",
        "Error" => "错误",
        "Every complaint, newest first; times in {}." => "全部投诉，最新的在前；时间为 {}。",
        "Evidence" => "证据",
        "Evidence:" => "证据：",
        "FAILED {} after {} attempts" => "失败：{}，共尝试 {} 次",
        "Failed" => "失败时间",
        "Failed emails" => "投递失败的邮件",
        "Filter" => "筛选",
        "First day" => "起始日",
        "First decided by" => "首次决定人",
        "For staff only: the claimant and the source never see these." => {
            "仅供工作人员查看：投诉人和来源方都看不到。"
        }
        "For the decision" => "适用的决定",
        "From" => "来自",
        "Give the reply a name of at most 100 characters." => {
            "请为此回复起一个不超过 100 个字符的名称。"
        }
        "Hashes" => "哈希值",
        "Information requested" => "要求补充的材料",
        "Infringing URL contains" => "侵权网址包含",
        "Internal notes" => "内部备注",
        "Kind" => "类型",
        "Last day" => "截止日",
        "Last saved {} by {}" => "最后保存于 {}，保存人 {}",
        "Legal action" => "诉讼",
        "Legal action recorded." => "已记录诉讼。",
        "Length" => "时长",
        "Licence" => "许可",
        "Mail that came to us and that takedown did not act on: not a delivery report, not a reply to one of our emails. A notice sent by email is here until a person files it as a complaint." => {
            "发给我们、takedown 未自动处理的邮件：既不是退信，也不是对我方邮件的回复。以邮件发来的投诉通知会留在这里，直到有人将其登记为投诉。"
        }
        "Matching complaints, newest first; times in {}." => {
            "符合条件的投诉，最新的在前；时间为 {}。"
        }
        "Median time from receipt to removal" => "从收到到删除用时（中位数）",
        "Median to removal" => "删除用时中位数",
        "Missed" => "逾期",
        "Name" => "名称",
        "New password (at least 12 characters; not a common password, not one character repeated, not containing your email's name)" => {
            "新密码（至少 12 个字符；不能是常见密码，不能由同一个字符重复组成，不能包含您邮箱地址中 @ 前的名字）"
        }
        "New password again" => "再次输入新密码",
        "No complaint in this period named a recorded article." => {
            "本期间没有投诉涉及登记在册的文章。"
        }
        "No complaint matches." => "没有符合条件的投诉。",
        "No notes yet." => "暂无备注。",
        "No saved replies yet." => "还没有常用回复。",
        "Not a recorded article." => "不是登记在册的文章。",
        "Note added. Only staff see it." => "备注已添加，仅工作人员可见。",
        "Nothing has failed." => "没有投递失败的消息。",
        "Nothing to read." => "没有待阅邮件。",
        "Open complaints, by deadline" => "待处理投诉（按期限排列）",
        "Open to decide" => "打开并决定",
        "Organisation" => "机构",
        "Our article" => "本站文章",
        "Our promise: a decision within {} hours of receipt." => {
            "我们的承诺：收到投诉后 {} 小时内作出决定。"
        }
        "Outlet" => "来源媒体",
        "Outlet contains" => "来源媒体包含",
        "Password" => "密码",
        "Paused" => "暂停时间",
        "Pending" => "处理中",
        "Personal data erased (retention)." => "个人数据已删除（保存期满）。",
        "Phone" => "电话",
        "Please check:" => "请检查：",
        "Preview the email" => "预览邮件",
        "Proof of receipt" => "收件凭证",
        "Question sent. The clock is paused until the claimant answers." => {
            "问题已发出。在投诉人答复之前，计时暂停。"
        }
        "Reasons" => "理由",
        "Received" => "收到时间",
        "Received from" => "收到时间起",
        "Received from (UTC day)" => "收到日期起（UTC）",
        "Received through the {}." => "通过 {} 收到。",
        "Received up to" => "收到时间止",
        "Received up to (UTC day)" => "收到日期止（UTC）",
        "Record" => "记录",
        "Record legal action" => "记录诉讼",
        "Reject" => "驳回",
        "Reject: tell the claimant why and how to appeal" => "驳回：告知投诉人理由及申诉方式",
        "Rejected" => "驳回",
        "Reminder sent to staff." => "已向工作人员发送提醒。",
        "Replies by email" => "邮件回复",
        "Request" => "请求",
        "Request information" => "要求补充材料",
        "Request information: ask the claimant; the clock pauses until they answer" => {
            "要求补充材料：向投诉人提问；在其答复之前计时暂停"
        }
        "Restored" => "恢复",
        "Restored after the counter-notice wait." => "反通知等待期满后已恢复。",
        "Restores" => "恢复时间",
        "Retry" => "重试",
        "Reviewer" => "审核员",
        "Reviewer (email)" => "审核员（邮箱）",
        "Reviewers start a statement of reasons from one of these in the decision form, in the claimant's language, and edit it before sending. Write each reply in full in both languages." => {
            "审核员可在决定表单中以投诉人的语言选用一条常用回复作为理由的开头，并在发送前修改。每条回复请用两种语言完整撰写。"
        }
        "Revisions" => "版本",
        "Round" => "轮次",
        "Save" => "保存",
        "Saved replies" => "常用回复",
        "Search" => "搜索",
        "Search complaints" => "搜索投诉",
        "Show" => "查看",
        "Show all open" => "显示全部待处理投诉",
        "Showing complaints where:" => "当前显示的投诉：",
        "Showing only complaints due soon (under 25 % of the time left, or overdue)." => {
            "仅显示即将到期的投诉（剩余时间不足 25%，或已超期）。"
        }
        "Sign in" => "登录",
        "Sign out" => "退出登录",
        "Signed in as" => "当前登录：",
        "Source" => "来源",
        "Source outlet" => "来源媒体",
        "Source outlet contains" => "来源媒体包含",
        "Staff sign-in" => "工作人员登录",
        "Start from a saved reply (it fills the reasons in the claimant's language; edit it before sending)" => {
            "从常用回复开始（以投诉人的语言填入理由；发送前请修改）"
        }
        "State" => "状态",
        "Statement" => "声明",
        "Statement of reasons (what, why, on which ground, how to contest) — or the question for the claimant" => {
            "理由说明（决定了什么、为什么、依据什么、如何提出异议）——或向投诉人提出的问题"
        }
        "Statements" => "声明",
        "Status" => "状态",
        "Subject" => "主题",
        "Subject:" => "主题：",
        "Target URL contains" => "目标网址包含",
        "Targets" => "投诉对象",
        "The chart's figures as a table" => "以表格查看图中数据",
        "The claimant answered." => "投诉人已答复。",
        "The claimant appealed." => "投诉人已提出申诉。",
        "The claimant confirmed their email address." => "投诉人已确认电子邮箱。",
        "The claimant reported legal action." => "投诉人告知已提起诉讼。",
        "The claimant reports legal action" => "投诉人告知已提起诉讼",
        "The claimant reports legal action (court, case number, date): the content stays removed" => {
            "投诉人告知已提起诉讼（法院、案号、日期）：内容保持删除"
        }
        "The claimant will get this email (nothing is recorded until you press Record)" => {
            "投诉人将收到这封邮件（按“记录”之前不会保存任何内容）"
        }
        "The claimant withdrew." => "投诉人已撤回投诉。",
        "The claimant wrote in {}: write to them in that language." => {
            "投诉人使用{}：请用同一种语言回复。"
        }
        "The clock paused." => "计时暂停。",
        "The clock started again." => "计时恢复。",
        "The deadline passed without a decision; escalated." => "期限已过仍未作出决定；已上报。",
        "The decision was not recorded. Fix these and send it again:" => {
            "决定未记录。请修改以下内容后重新提交："
        }
        "The last day must not come before the first." => "结束日期不能早于开始日期。",
        "The password must be at least {} characters. Nothing was changed." => {
            "密码至少须有 {} 个字符。未作任何更改。"
        }
        "The relay refused these permanently. Fix the cause (address, relay, CMS), then retry: the message goes out again with its original Message-ID." => {
            "邮件服务器已永久拒收以下消息。请先排除原因（地址、邮件服务器、CMS），再重试：消息将以原来的 Message-ID 重新发出。"
        }
        "The reply was not saved. Fix these and save it again:" => {
            "回复未保存。请修改以下内容后重新保存："
        }
        "The report counts the complaints received in the period and what became of them; it holds no personal data." => {
            "本报告统计该期间收到的投诉及其处理结果，不含任何个人信息。"
        }
        "The submitter's status callback could not be told." => "无法通知提交方的状态回调地址。",
        "The submitter's status callback was told." => "已通知提交方的状态回调地址。",
        "The two new passwords differ. Nothing was changed." => {
            "两次输入的新密码不一致。未作任何更改。"
        }
        "This form expired. Please sign in again." => "此表单已过期，请重新登录。",
        "This is an appeal of your own decision: another reviewer must decide it." => {
            "这是对您本人所作决定的申诉，须由另一位审核员处理。"
        }
        "This is an article we republished: uphold or reject it." => {
            "这是本站转载的文章：请选择成立或驳回。"
        }
        "This is not an article we republished, so there is nothing of ours to take down: choose “not ours” or “reject”." => {
            "这不是本站转载的文章，没有可删除的内容：请选择“不是本站内容”或“驳回”。"
        }
        "This page link is not one we made; start from the first page." => {
            "此分页链接无效，请从第一页开始。"
        }
        "Time from receipt to removal" => "从收到到删除的用时",
        "Time left" => "剩余时间",
        "Time to removal" => "删除用时",
        "Timeline" => "时间线",
        "Times in {}." => "时间为 {}。",
        "To" => "收件人",
        "To:" => "收件人：",
        "Too many failed sign-ins. Try again in {} minutes." => {
            "登录失败次数过多，请 {} 分钟后再试。"
        }
        "Tracking code or reference" => "查询码或编号",
        "Transparency report" => "透明度报告",
        "Upheld" => "成立",
        "Upheld (content removed)" => "成立并删除",
        "Uphold" => "成立",
        "Uphold: take the articles down, tell the claimant and the source" => {
            "成立：删除文章，并通知投诉人和来源方"
        }
        "Use this reply" => "使用此回复",
        "Week of" => "周起始日",
        "What" => "事件",
        "When" => "时间",
        "Who" => "操作人",
        "Withdrawn" => "撤回",
        "Withdrawn by the claimant" => "投诉人撤回",
        "Within deadline" => "按时",
        "Work" => "作品",
        "Write the Chinese text in full, in at most 5000 characters." => {
            "请完整填写中文文本，最多 5000 个字符。"
        }
        "Write the English text in full, in at most 5000 characters." => {
            "请完整填写英文文本，最多 5000 个字符。"
        }
        "Write the first day as YYYY-MM-DD, such as 2026-11-01." => {
            "开始日期请按 YYYY-MM-DD 填写，例如 2026-11-01。"
        }
        "Write the last day as YYYY-MM-DD, such as 2026-11-30." => {
            "结束日期请按 YYYY-MM-DD 填写，例如 2026-11-30。"
        }
        "Write the note, in at most {} characters." => "请填写备注，最多 {} 个字符。",
        "Write the statement of reasons in full: what was decided, why and on which ground, in at most 5000 characters." => {
            "请完整填写理由说明：决定了什么、为什么、依据什么，最多 5000 个字符。"
        }
        "Wrong email or password." => "邮箱或密码错误。",
        "Your current password is wrong. Nothing was changed." => "当前密码错误。未作任何更改。",
        "Your password is changed. Every other session of yours has ended." => {
            "密码已修改，您的其他登录会话均已结束。"
        }
        "accurate, under penalty:" => "内容准确（如有不实愿承担责任）：",
        "all open" => "全部待处理",
        "an email to this address bounced: reach the claimant another way" => {
            "发往此邮箱的邮件被退回：请通过其他方式联系投诉人"
        }
        "and what became of them up to {}. " => "以及截至 {} 的处理结果。",
        "answered" => "已答复",
        "any" => "不限",
        "appeal" => "申诉",
        "appeals" => "申诉",
        "article {}" => "文章 {}",
        "as decided" => "按总体决定",
        "audit event" => "审计事件",
        "claimant's address bounced" => "投诉人邮箱退信",
        "clock paused, {}" => "计时暂停，{}",
        "closed" => "已关闭",
        "closed as incomplete" => "因材料不完整关闭",
        "complaints" => "投诉数",
        "confirmed" => "已确认",
        "deadline ({} h)" => "期限（{} 小时）",
        "decided" => "已决定",
        "decided by {}" => "决定人 {}",
        "decided: not ours" => "决定：不是本站内容",
        "decided: stays up" => "决定：保留",
        "decided: taken down" => "决定：已删除",
        "due soon" => "即将到期",
        "email to read" => "待阅邮件",
        "email to read ({})" => "待阅邮件（{}）",
        "ended" => "已结束",
        "expired now" => "现已过期",
        "expired when republished" => "转载时已过期",
        "expires {}" => "{} 到期",
        "failed emails" => "投递失败的邮件",
        "file {}" => "文件 {}",
        "first" => "首轮",
        "from another address than the claimant's: it answers nothing" => {
            "来自投诉人以外的地址：不作为答复"
        }
        "from the claimant" => "来自投诉人",
        "from the claimant: their answer to the request; the clock runs again" => {
            "来自投诉人：对补充材料要求的答复；计时恢复"
        }
        "good faith:" => "善意声明：",
        "hours" => "小时",
        "in review" => "审核中",
        "later deadlines →" => "更晚到期 →",
        "mine" => "我的",
        "needs info" => "需补充材料",
        "not ours: not content we republished" => "不是本站内容：并非本站转载",
        "of the claimant's text" => "（占投诉人文本）",
        "older →" => "更早 →",
        "on behalf of {}" => "代表 {}",
        "provisionally removed" => "已临时删除",
        "published" => "发布",
        "queued" => "排队中",
        "raw event" => "原始事件",
        "received" => "收到",
        "reject: it stays up" => "驳回：保留",
        "republished {}" => "转载于 {}",
        "retrying (attempt {}; next {})" => "正在重试（第 {} 次；下次 {}）",
        "saved replies" => "常用回复",
        "search all complaints" => "搜索全部投诉",
        "sent {}" => "已发送 {}",
        "signed:" => "签名：",
        "source" => "来源",
        "staff account {} (removed)" => "工作人员账户 {}（已删除）",
        "still paused" => "仍在暂停",
        "the claimant" => "投诉人",
        "the email as sent" => "已发送的邮件原文",
        "transparency report" => "透明度报告",
        "unassigned" => "未分派",
        "unconfirmed" => "未确认",
        "upheld" => "成立",
        "uphold: take it down" => "成立：删除",
        "via {}" => "渠道：{}",
        "week of (MM-DD)" => "周起始日（月-日）",
        "with the answer" => "随答复提交",
        "with the appeal" => "随申诉提交",
        "with the counter-notice" => "随反通知提交",
        "{} article(s) taken down, {} put back." => "删除文章 {} 篇，恢复 {} 篇。",
        "{} characters or words of ours in shared passages." => {
            "共同段落中含本站文章的 {} 个字或词。"
        }
        "{} clock paused" => "{} 件计时暂停",
        "{} h" => "{} 小时",
        "{} has claimed this complaint: only they, or an admin, may decide it." => {
            "{} 已认领此投诉：只有该审核员或管理员可以作出决定。"
        }
        "{} is not an active staff account; complaint #{} was not assigned." => {
            "{} 不是有效的工作人员账户；投诉 #{} 未分派。"
        }
        "{} min" => "{} 分钟",
        "{} of {}" => "{} / {}",
        "{} open." => "待处理 {} 件。",
        "{} open; {} on this page." => "待处理 {} 件；本页 {} 件。",
        "{} overdue" => "{} 件已超期",
        "{} under 10 % of the time left" => "{} 件剩余时间不足 10%",
        "{} under 25 %" => "{} 件不足 25%",
        "{}. Nothing was changed." => "{}。未作任何更改。",
        "← earliest deadlines" => "← 最早到期",
        "← newest" => "← 最新",
        "← queue" => "← 审核队列",
        "中文 (Chinese)" => "中文",
        "Licences" => "授权",
        "licences" => "授权",
        "compliance" => "合规",
        "Compliance" => "合规",
        "Each licence as last saved, soonest end first. The CMS saves them with POST /api/v1/licences, or an admin imports a CSV with takedown licences import." => {
            "每项授权按最近一次保存的条款列出，最早到期者在前。CMS 通过 POST /api/v1/licences 保存授权，管理员也可用 takedown licences import 导入 CSV。"
        }
        "No licence is on file yet." => "尚无授权记录。",
        "Reference" => "编号",
        "Licensor" => "授权方",
        "Covers" => "授权范围",
        "Period" => "期限",
        "Document" => "授权文件",
        "Articles" => "文章",
        "not started" => "尚未生效",
        "in force" => "有效",
        "none on file" => "未存档",
        "{} revisions" => "{} 个版本",
        "Articles whose right to be online is in doubt, as worked out when each was recorded and whenever its licence changed or ended. A suggestion for staff: nothing here takes an article down." => {
            "在线权利存疑的文章，于每篇文章登记时、其授权变更或到期时判定。仅供员工参考：此处不会下线任何文章。"
        }
        "every problem" => "全部问题",
        "CSV of all of them" => "全部导出为 CSV",
        "No article has this problem." => "没有文章存在此问题。",
        "Problems" => "问题",
        "{} articles." => "{} 篇文章。",
        "← licences" => "← 授权",
        "its compliance problems" => "其合规问题",
        "the agreement" => "授权协议",
        "none on file: upload it with PUT /api/v1/licences/{reference}/document" => {
            "未存档：请用 PUT /api/v1/licences/{reference}/document 上传"
        }
        "Saved" => "保存于",
        "Rights" => "权利",
        "Terms" => "条款",
        "credit required" => "须署名",
        "no credit required" => "无须署名",
        "edits allowed" => "可修改",
        "no edits" => "不得修改",
        "Reminders and the end" => "提醒与到期",
        "Nothing is planned: the licence has no end." => "无计划事项：该授权没有到期日。",
        "Step" => "步骤",
        "Due" => "到期时间",
        "No recorded article names this licence." => "没有已登记的文章使用此授权。",
        "Licence {}" => "授权 {}",
        "Articles republished under it ({})" => "依此授权转载的文章（{}）",
        "agreement" => "授权协议",
        "no agreement on file" => "授权协议未存档",
        "The claimant is the licensor: they write from its contact address or domain." => {
            "投诉人即授权方：其来信地址为授权方的联系地址或同一域名。"
        }
        "no licence record on file" => "无授权记录",
        "the CMS gave the end as {}" => "CMS 登记的到期时间为 {}",
        "Suggestions beside the decision: none of them decides it." => {
            "供决定时参考：以上各项均不能代替决定。"
        }
        "Live articles under a valid licence" => "依有效授权在线的文章",
        "Licences whose end was handled" => "已处理到期的授权",
        "{} articles taken down at a licence's end" => "授权到期时下线 {} 篇文章",
        _ => return None,
    })
}
