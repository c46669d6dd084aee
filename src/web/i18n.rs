//! Page text in Chinese and English, and choosing between them.

use axum::http::HeaderMap;

use crate::domain::complaint::Language;
use crate::services::error::Conflict;

/// Every string a public page shows.
pub struct Texts {
    pub language: Language,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub site: &'static str,
    pub form_title: &'static str,
    pub policy: &'static str,
    pub policy_within: &'static str,
    pub policy_after: &'static str,
    pub hours: &'static str,
    pub required_note: &'static str,
    pub section_claimant: &'static str,
    pub section_work: &'static str,
    pub section_targets: &'static str,
    pub section_evidence: &'static str,
    pub section_statements: &'static str,
    pub name: &'static str,
    pub organisation: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub address: &'static str,
    pub capacity: &'static str,
    pub capacity_owner: &'static str,
    pub capacity_agent: &'static str,
    pub on_behalf_of: &'static str,
    pub work_title: &'static str,
    pub work_description: &'static str,
    pub work_original_url: &'static str,
    pub work_original_text: &'static str,
    pub infringing_urls: &'static str,
    pub infringing_urls_hint: &'static str,
    pub evidence_urls: &'static str,
    pub evidence_files: &'static str,
    pub evidence_files_hint: &'static str,
    pub good_faith: &'static str,
    /// Who sees what the claimant sends.
    pub shared_note: &'static str,
    /// That a knowingly false notice has consequences.
    pub false_notice: &'static str,
    pub example: &'static str,
    pub accurate: &'static str,
    pub signature: &'static str,
    pub submit: &'static str,
    pub fix_errors: &'static str,
    /// This form's id was already used for a different submission.
    pub form_reused: &'static str,
    /// The site cannot store anything now (disk full).
    pub storage_full: &'static str,
    pub form_too_large: &'static str,
    /// The database cannot be reached now.
    pub unavailable: &'static str,
    pub receipt_title: &'static str,
    pub receipt_intro: &'static str,
    pub tracking_code: &'static str,
    pub received_at: &'static str,
    pub receipt_event: &'static str,
    pub deadline_at: &'static str,
    pub status_link: &'static str,
    pub receipt_keep: &'static str,
    pub status_title: &'static str,
    pub info_title: &'static str,
    pub info_answer: &'static str,
    pub info_send: &'static str,
    pub answer_by: &'static str,
    pub paused: &'static str,
    pub appeal_title: &'static str,
    pub appeal_intro: &'static str,
    pub appeal_send: &'static str,
    pub withdraw_title: &'static str,
    pub withdraw_intro: &'static str,
    pub withdraw_reason: &'static str,
    pub withdraw_send: &'static str,
    /// A counter-notice answered the removal.
    pub counter_title: &'static str,
    pub counter_returns: &'static str,
    pub counter_restored: &'static str,
    pub counter_stays: &'static str,
    pub legal_intro: &'static str,
    pub legal_reference: &'static str,
    pub legal_send: &'static str,
    pub legal_reported: &'static str,
    pub legal_recorded: &'static str,
    pub appeal_until: &'static str,
    pub appealed: &'static str,
    pub your_answer: &'static str,
    /// The emails the claimant sent about the complaint.
    pub sent_by_email: &'static str,
    pub no_subject: &'static str,
    pub your_appeal: &'static str,
    pub done_title: &'static str,
    pub back: &'static str,
    pub problem_title: &'static str,
    pub status: &'static str,
    pub decision: &'static str,
    pub decided_at: &'static str,
    pub reason: &'static str,
    pub pending: &'static str,
    pub targets: &'static str,
    pub outcome_upheld: &'static str,
    pub outcome_rejected: &'static str,
    pub outcome_not_ours: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    pub confirmed: &'static str,
    pub confirmed_yes: &'static str,
    pub confirmed_no: &'static str,
    pub confirm_title: &'static str,
    pub confirm_ask: &'static str,
    pub confirm_button: &'static str,
    pub confirm_done: &'static str,
    pub confirm_already: &'static str,
    pub confirm_follow: &'static str,
    pub receipt_confirm: &'static str,
    pub home_file: &'static str,
    pub home_lookup: &'static str,
    pub home_lookup_button: &'static str,
    pub home_code_wrong: &'static str,
    pub home_staff: &'static str,
    pub home_api: &'static str,
}

pub static EN: Texts = Texts {
    language: Language::En,
    lang: "en",
    other_lang: "zh",
    other_lang_name: "中文",
    site: "Copyright complaints",
    form_title: "Report republished content that infringes your rights",
    policy: "If you believe content we republished infringes your rights, tell us here. We verify every complaint against our records of where each article came from and under which licence, and remove infringing content",
    policy_within: " within ",
    policy_after: " of receiving a complete complaint.",
    hours: "hours",
    required_note: "Fields marked * are required. You will receive a receipt by email with a tracking link.",
    section_claimant: "About you",
    section_work: "Your work",
    section_targets: "The content on our site",
    section_evidence: "Evidence",
    section_statements: "Statements and signature",
    name: "Full name",
    organisation: "Organisation",
    email: "Email",
    phone: "Phone",
    address: "Postal address",
    capacity: "You are",
    capacity_owner: "the rights holder",
    capacity_agent: "an agent authorised by the rights holder",
    on_behalf_of: "Rights holder you act for (agents only)",
    work_title: "Title of the work",
    work_description: "Description of the work and of your rights in it",
    work_original_url: "Where the original is published (URL)",
    work_original_text: "Text of the work (optional; helps us find every copy)",
    infringing_urls: "URLs on our site that infringe",
    infringing_urls_hint: "One URL per line. Only pages on this site can be reported here; for content elsewhere, contact the site that publishes it.",
    evidence_urls: "Evidence URLs (optional, one per line)",
    evidence_files: "Evidence files (optional)",
    evidence_files_hint: "PDF, PNG, JPEG or plain text; at most 5 files of 10 MB each.",
    shared_note: "What you send is shared with the source of the republished article (the outlet or author whose content we republished under licence), so that they can answer it: your name, organisation, the work and your statements. Your phone number and address are seen only by our staff. A summary, without personal details, appears in our transparency report.",
    false_notice: "Please file only a notice you believe to be true. A notice that knowingly misrepresents that content infringes can make you liable for the harm it causes (Civil Code of the PRC, art. 1195; 17 U.S.C. § 512(f)).",
    example: "For example:",
    good_faith: "I believe in good faith that the use of the material complained of is not authorised by the rights holder, its agent or the law.",
    accurate: "The information in this notice is accurate, and I am the rights holder or authorised to act on its behalf.",
    signature: "Signature (type your full name)",
    submit: "Submit complaint",
    fix_errors: "Please correct the fields marked below.",
    form_reused: "This form was already sent with different content. Nothing new was filed. Check the fields below and send again.",
    storage_full: "We cannot store your complaint right now because our storage is full. Nothing was filed. Your entries are kept below; please send again shortly.",
    form_too_large: "Your submission was too large, so nothing was filed. The text fields may hold 1 MB in all, and each evidence file 10 MB (at most 5 files). Please shorten the text, or attach it as a file, and send again.",
    unavailable: "Our service is briefly unavailable. Nothing was filed. Your entries are kept below; please send again in a minute.",
    receipt_title: "We have received your complaint",
    receipt_intro: "Thank you. Your complaint has been recorded and a receipt has been sent to your email address.",
    tracking_code: "Tracking code",
    received_at: "Received",
    receipt_event: "Proof of receipt (audit event)",
    deadline_at: "Decision due by",
    status_link: "Follow its progress",
    receipt_keep: "Keep this page's address (it is also in the receipt we emailed you): it is the only way to see your complaint's status, answer our questions, appeal or withdraw.",
    status_title: "Complaint status",
    info_title: "We need more information",
    info_answer: "Your answer",
    info_send: "Send answer",
    answer_by: "Answer by",
    paused: "The deadline is paused until you answer; it restarts with the time that was left.",
    appeal_title: "Appeal this decision",
    appeal_intro: "If you disagree, say why and give any further evidence. A different reviewer will decide the appeal.",
    appeal_send: "Appeal",
    withdraw_title: "Withdraw this complaint",
    withdraw_intro: "If the matter is settled or you filed it by mistake, you can withdraw it. We then take no further action, and anything taken down only because its deadline passed goes back up.",
    withdraw_reason: "Reason (optional)",
    withdraw_send: "Withdraw",
    counter_title: "Counter-notice",
    counter_returns: "the person who published it contests the removal; the content returns on",
    counter_restored: "the content has been restored after the counter-notice",
    counter_stays: "the content stays removed while the legal action runs",
    legal_intro: "If you have taken legal action about this content, tell us before the date above, with the court and case number. A reviewer confirms it, and the content then stays removed. Without it, the content returns on that date.",
    legal_reference: "Court, case number and date filed",
    legal_send: "Report legal action",
    legal_reported: "You reported legal action. A reviewer will confirm it before the content would return; until then the date above still applies.",
    legal_recorded: "Legal action is recorded: the content stays removed.",
    appeal_until: "You may appeal until",
    appealed: "Appeal filed",
    your_answer: "Your answer",
    sent_by_email: "What you sent us by email",
    no_subject: "(no subject)",
    your_appeal: "Your appeal statement",
    done_title: "Thank you",
    back: "Back to the status page",
    problem_title: "That did not work",
    status: "Status",
    decision: "Decision",
    decided_at: "Decided",
    reason: "Reasons",
    pending: "pending",
    confirmed: "Email address",
    confirmed_yes: "confirmed",
    confirmed_no: "not yet confirmed: use the link in the receipt we emailed you",
    confirm_title: "Confirm your email address",
    confirm_ask: "Press the button to confirm that the address this complaint was filed with is yours. Until it is confirmed, nothing is taken down automatically on this complaint's word when its deadline passes; our staff still review it within the deadline.",
    confirm_button: "Confirm my email address",
    confirm_done: "Thank you: your email address is confirmed.",
    confirm_already: "This email address was already confirmed. Nothing more is needed.",
    confirm_follow: "Follow your complaint, answer our questions and see the decision on its status page:",
    receipt_confirm: "We have emailed you a receipt with a link to confirm your email address. Please confirm it: until you do, nothing is taken down automatically on this complaint's word when its deadline passes.",
    home_file: "File a copyright complaint",
    home_lookup: "Follow a complaint you filed: enter its tracking code",
    home_lookup_button: "Show its status",
    home_code_wrong: "This is not a tracking code. A tracking code is 40 letters (a–f) and digits, in the email we sent when you filed; copy it from there.",
    home_staff: "Staff sign-in",
    home_api: "API for rights agencies and the CMS",
    targets: "Reported URLs",
    outcome_upheld: "removed from our site",
    outcome_rejected: "stays up: the complaint is not upheld for it",
    outcome_not_ours: "not content we republished: we cannot remove it",
    not_found_title: "Not found",
    not_found: "There is no complaint with this tracking code.",
};

pub static ZH: Texts = Texts {
    language: Language::Zh,
    lang: "zh",
    other_lang: "en",
    other_lang_name: "English",
    site: "版权投诉",
    form_title: "举报侵犯您权利的转载内容",
    policy: "如您认为我们转载的内容侵犯了您的权利，请在此告知我们。我们会根据每篇文章的来源和授权记录核实每一宗投诉，并",
    policy_within: "在收到完整投诉后 ",
    policy_after: "内删除侵权内容。",
    hours: "小时",
    required_note: "标有 * 的为必填项。提交后您将收到附有查询链接的确认邮件。",
    section_claimant: "您的信息",
    section_work: "您的作品",
    section_targets: "本站的相关内容",
    section_evidence: "证据",
    section_statements: "声明与签名",
    name: "姓名",
    organisation: "机构",
    email: "电子邮箱",
    phone: "电话",
    address: "通信地址",
    capacity: "您的身份",
    capacity_owner: "权利人",
    capacity_agent: "经权利人授权的代理人",
    on_behalf_of: "您所代理的权利人（仅代理人填写）",
    work_title: "作品名称",
    work_description: "作品及您所享有权利的说明",
    work_original_url: "原作发表网址",
    work_original_text: "作品正文（选填，便于我们找到所有转载）",
    infringing_urls: "本站侵权内容的网址",
    infringing_urls_hint: "每行一个网址。此处只受理本站的网页；其他网站上的内容，请联系发布该内容的网站。",
    evidence_urls: "证据网址（选填，每行一个）",
    evidence_files: "证据文件（选填）",
    evidence_files_hint: "PDF、PNG、JPEG 或纯文本；最多 5 个文件，每个不超过 10 MB。",
    shared_note: "您提交的内容会转交被转载文章的来源方（我们依授权转载其内容的媒体或作者），以便其答复：包括您的姓名、单位、作品信息及声明。您的电话和地址仅供我们的工作人员查看。不含个人信息的统计摘要会出现在我们的透明度报告中。",
    false_notice: "请仅提交您确信属实的通知。明知不实而发出侵权通知，须对由此造成的损害承担责任（《中华人民共和国民法典》第一千一百九十五条；美国法典第17编第512(f)条）。",
    example: "例如：",
    good_faith: "本人善意地相信，被投诉内容的使用未经权利人、其代理人或法律许可。",
    accurate: "本通知所载信息真实准确，本人是权利人或经权利人授权代为行事。",
    signature: "签名（请输入您的全名）",
    submit: "提交投诉",
    fix_errors: "请更正下方标出的内容。",
    form_reused: "此表单已以不同内容提交过，本次未受理。请核对下方内容后重新提交。",
    storage_full: "我们的存储空间已满，暂时无法保存您的投诉，本次未受理。您填写的内容已保留在下方，请稍后重新提交。",
    form_too_large: "您提交的内容过大，本次未受理。文字部分合计不得超过 1 MB，每个证据文件不得超过 10 MB（最多 5 个）。请缩短文字或改为附件上传后重新提交。",
    unavailable: "服务暂时不可用，本次未受理。您填写的内容已保留在下方，请一分钟后重新提交。",
    receipt_title: "我们已收到您的投诉",
    receipt_intro: "谢谢。您的投诉已登记，确认邮件已发送至您的邮箱。",
    tracking_code: "查询编号",
    received_at: "收到时间",
    receipt_event: "收件凭证（审计日志事件）",
    deadline_at: "处理期限",
    status_link: "查看处理进度",
    receipt_keep: "请保存本页网址（回执邮件中也有）：这是查看投诉状态、答复问题、申诉或撤回投诉的唯一途径。",
    status_title: "投诉状态",
    info_title: "需要补充信息",
    info_answer: "您的回复",
    info_send: "提交回复",
    answer_by: "回复截止",
    paused: "在您回复之前，处理时限暂停计算；收到回复后以剩余时间继续。",
    appeal_title: "对决定提出申诉",
    appeal_intro: "如您不同意此决定，请说明理由并提供补充证据。申诉将由另一位审核人员处理。",
    appeal_send: "提交申诉",
    withdraw_title: "撤回此投诉",
    withdraw_intro: "如事情已解决或投诉有误，您可以撤回投诉。撤回后我们不再处理；仅因期限届满而临时删除的内容将恢复。",
    withdraw_reason: "理由（可选）",
    withdraw_send: "撤回投诉",
    counter_title: "反通知",
    counter_returns: "发布者对删除提出异议；内容将于以下时间恢复：",
    counter_restored: "经反通知，内容已恢复",
    counter_stays: "诉讼期间，内容保持删除",
    legal_intro: "如您已就该内容提起诉讼，请在上述时间之前告知我们，并写明法院和案号。审核人员确认后，内容将保持删除；否则内容将于该时间恢复。",
    legal_reference: "法院、案号及立案日期",
    legal_send: "告知已提起诉讼",
    legal_reported: "您已告知提起诉讼。审核人员将在内容恢复之前予以确认；确认之前，上述时间仍然有效。",
    legal_recorded: "诉讼已记录：内容保持删除。",
    appeal_until: "申诉截止",
    appealed: "已提出申诉",
    your_answer: "您的答复",
    sent_by_email: "您通过电子邮件发来的内容",
    no_subject: "（无主题）",
    your_appeal: "您的申诉理由",
    done_title: "谢谢",
    back: "返回状态页面",
    problem_title: "未能完成",
    status: "状态",
    decision: "决定",
    decided_at: "决定时间",
    reason: "理由",
    pending: "待处理",
    confirmed: "邮箱",
    confirmed_yes: "已确认",
    confirmed_no: "尚未确认：请使用我们发给您的回执邮件中的链接",
    confirm_title: "确认您的邮箱",
    confirm_ask: "请点击按钮，确认提交此投诉所用的邮箱属于您。在确认之前，期限届满时我们不会仅凭此投诉自动删除内容；工作人员仍会在期限内审核。",
    confirm_button: "确认我的邮箱",
    confirm_done: "谢谢，您的邮箱已确认。",
    confirm_already: "此邮箱此前已确认，无需再次操作。",
    confirm_follow: "您可在投诉状态页面跟进投诉、回答我们的问题并查看处理结果：",
    receipt_confirm: "我们已向您发送回执邮件，其中附有确认邮箱的链接。请点击确认：在确认之前，期限届满时我们不会仅凭此投诉自动删除内容。",
    home_file: "提交版权投诉",
    home_lookup: "查询已提交的投诉：请输入查询编号",
    home_lookup_button: "查看状态",
    home_code_wrong: "这不是有效的查询编号。查询编号由 40 个字母（a–f）和数字组成，见您提交投诉时我们发送的邮件，请从邮件中复制。",
    home_staff: "工作人员登录",
    home_api: "供权利代理机构和内容管理系统使用的接口",
    targets: "投诉的网址",
    outcome_upheld: "已从本站删除",
    outcome_rejected: "继续保留：该网页的投诉不成立",
    outcome_not_ours: "非本站转载内容：本站无法删除",
    not_found_title: "未找到",
    not_found: "没有与此查询编号对应的投诉。",
};

pub fn texts(lang: Language) -> &'static Texts {
    match lang {
        Language::Zh => &ZH,
        Language::En => &EN,
    }
}

impl Texts {
    /// What a page says when the complaint's state refuses the request, by its code.
    pub fn conflict(&self, c: Conflict) -> &'static str {
        if self.language == Language::En {
            return c.message();
        }
        match c {
            Conflict::AlreadyDecided => "此投诉已作出决定。",
            Conflict::AlreadyWaiting => "此投诉已在等待投诉人的答复。",
            Conflict::DifferentReviewerRequired => "这是申诉：须由首次决定者以外的审核人作出决定。",
            Conflict::ClaimedByAnother => {
                "此投诉已由另一位审核人认领：只有该审核人或管理员可以作出决定（管理员可改派）。"
            }
            Conflict::NotWaiting => "此投诉没有在等待补充信息。",
            Conflict::NotRejected => "只有被驳回的投诉才能申诉。",
            Conflict::AlreadyAppealed => "此投诉已提出过申诉。",
            Conflict::AppealWindowClosed => "对此决定提出申诉的期限已过。",
            Conflict::NotOpen => "此投诉已作出决定或已结案。",
            Conflict::NotRemoved => "此文章未被移除，无可争议。",
            Conflict::CounterNoticePending => "此文章已有一份反通知在等待处理。",
            Conflict::LegalActionRecorded => "此投诉已记录诉讼。",
            Conflict::LegalActionReported => "您已告知提起诉讼，工作人员将予以确认。",
            Conflict::NoCounterNoticeWaiting => "目前没有等待恢复的反通知，无需告知诉讼。",
            Conflict::RemovedUrlMismatch => "所填网址不是被移除文章的网址。",
        }
    }
}

/// `?lang=` wins; then the first supported language in Accept-Language; then English.
pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap) -> Language {
    if let Some(l) = query_lang.and_then(Language::parse) {
        return l;
    }
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut best: Option<(f32, Language)> = None;
    for part in accept.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or_default().trim();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or_default();
        if let Some(l) = Language::parse(primary)
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, l));
        }
    }
    best.map_or(Language::En, |(_, l)| l)
}

/// A deadline as people say it: "24 hours", "24 小时", or humantime for odd lengths.
pub fn duration_text(t: &Texts, d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs > 0 && secs.is_multiple_of(3600) {
        format!("{} {}", secs / 3600, t.hours)
    } else {
        humantime::format_duration(d).to_string()
    }
}

/// The status names a claimant sees.
pub fn status_name(lang: Language, status: &str) -> &'static str {
    match (lang, status) {
        (Language::Zh, "received") => "已收到",
        (Language::Zh, "in_review") => "审核中",
        (Language::Zh, "needs_info") => "需补充材料",
        (Language::Zh, "upheld") => "投诉成立，内容已删除",
        (Language::Zh, "rejected") => "投诉不成立",
        (Language::Zh, "incomplete") => "材料不完整，已关闭",
        (Language::Zh, "appealed") => "申诉审核中",
        (Language::Zh, "withdrawn") => "投诉人已撤回",
        (Language::En, "received") => "received",
        (Language::En, "in_review") => "in review",
        (Language::En, "needs_info") => "more information needed",
        (Language::En, "upheld") => "upheld: content removed",
        (Language::En, "rejected") => "rejected",
        (Language::En, "incomplete") => "closed as incomplete",
        (Language::En, "appealed") => "appeal in review",
        (Language::En, "withdrawn") => "withdrawn by the claimant",
        _ => "—",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::ACCEPT_LANGUAGE, v.parse().unwrap());
        h
    }

    #[test]
    fn query_then_accept_language_then_english() {
        assert_eq!(negotiate(Some("zh"), &headers("en")), Language::Zh);
        assert_eq!(
            negotiate(None, &headers("zh-CN,zh;q=0.9,en;q=0.8")),
            Language::Zh
        );
        assert_eq!(
            negotiate(None, &headers("fr, en;q=0.5, zh;q=0.4")),
            Language::En
        );
        assert_eq!(negotiate(None, &HeaderMap::new()), Language::En);
        assert_eq!(negotiate(Some("xx"), &headers("de")), Language::En);
    }

    #[test]
    fn a_notice_reports_each_problem_by_its_kind() {
        use crate::domain::complaint::{ComplaintInput, NewComplaint};
        use crate::domain::validate::Problem;
        let input: ComplaintInput = serde_json::from_value(serde_json::json!({
            "claimant": {"name": " ", "email": "nobody", "phone": "call me",
                         "address": "1 Press Road", "capacity": "owner"},
            "work": {"title": "t", "description": "d", "original_url": "ftp://x"},
            "infringing_urls": [],
            "statements": {"good_faith": false, "accurate": true},
            "signature": "s"
        }))
        .unwrap();
        let errors = NewComplaint::parse(&input).unwrap_err();
        let problem = |f: &str| errors.get(f).map(|e| e.problem);
        assert_eq!(problem("claimant.name"), Some(Problem::Blank));
        assert_eq!(problem("claimant.email"), Some(Problem::Email));
        assert_eq!(problem("claimant.phone"), Some(Problem::Phone));
        assert_eq!(problem("work.original_url"), Some(Problem::Url));
        assert_eq!(problem("infringing_urls"), Some(Problem::NoTarget));
        assert_eq!(problem("statements.good_faith"), Some(Problem::Statement));
        assert_eq!(problem("statements.accurate"), None);
    }
}
