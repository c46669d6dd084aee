//! Email bodies from `templates/email/`, in the recipient's language. Subjects carry no
//! user input, so nothing a claimant types can reach a header.

use askama::Template;

#[derive(Template)]
#[template(path = "email/receipt.en.txt")]
pub struct ReceiptEn<'a> {
    pub name: &'a str,
    pub code: &'a str,
    pub received_at: &'a str,
    pub deadline_at: &'a str,
    pub status_url: &'a str,
    pub targets: &'a [String],
}

#[derive(Template)]
#[template(path = "email/receipt.zh.txt")]
pub struct ReceiptZh<'a> {
    pub name: &'a str,
    pub code: &'a str,
    pub received_at: &'a str,
    pub deadline_at: &'a str,
    pub status_url: &'a str,
    pub targets: &'a [String],
}

#[derive(Template)]
#[template(path = "email/new_complaint.en.txt")]
pub struct NewComplaintEn<'a> {
    pub id: i64,
    pub code: &'a str,
    pub received_at: &'a str,
    pub deadline_at: &'a str,
    pub claimant: &'a str,
    pub capacity: &'a str,
    pub work_title: &'a str,
    pub targets: &'a [String],
    pub matches: &'a [String],
    pub status_url: &'a str,
}
