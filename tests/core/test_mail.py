"""core/mail.py writes a message the way a reader gets it back: a long subject, in any script, arrives exactly
as written, over SMTP to a real server on 127.0.0.1 and in the development Maildir alike."""

from __future__ import annotations

import email
import email.policy
import mailbox
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from igf_hub.core import mail
from igf_hub.core.settings import MailSettings, Settings
from tests.support.smtp import smtp_server

SUBJECTS = [
    # Plain and encoded words side by side: folded at 78 columns, "más allá" arrived as "másallá".
    "NRI submitted for recognition: Foro de Gobernanza de Internet de México y más allá del río grande",
    # Long and plain: folded, it arrived with a leading space.
    "Annual report overdue: Internet Governance Forum of the Republic of Somewhere Far Away, 2026 edition",
    "تم الاعتراف بالمبادرة الوطنية: منتدى حوكمة الإنترنت في المملكة الأردنية الهاشمية، التقرير السنوي لعام ٢٠٢٦",
    "国家和地区互联网治理论坛倡议已获认可 中国互联网治理对话 2026 年度报告 已经提交 等待 秘书处 审查",
]


def _message(subject: str, n: int) -> mail.Outgoing:
    return mail.Outgoing(
        key=f"subject-{n}",
        to="reader@example.org",
        subject=subject,
        text="Hello",
        html="<p>Hello</p>",
        language="en",
        date=datetime(2026, 12, 6, tzinfo=UTC),
    )


async def test_a_long_subject_arrives_over_smtp_exactly_as_written(settings: Settings) -> None:
    async with smtp_server() as server:
        to_server = msgspec.structs.replace(settings, mail=server.settings())
        for n, subject in enumerate(SUBJECTS):
            await mail.send(to_server, mail.build(to_server, _message(subject, n)))
        assert [received.subject for received in server.messages] == SUBJECTS


async def test_a_long_subject_arrives_in_the_development_mailbox_exactly_as_written(
    settings: Settings, tmp_path: Path
) -> None:
    local = msgspec.structs.replace(settings, data_dir=str(tmp_path), mail=MailSettings())
    for n, subject in enumerate(SUBJECTS):
        await mail.send(local, mail.build(local, _message(subject, n)))
    box = mailbox.Maildir(mail.mailbox_path(local), create=False)
    subjects = [
        str(email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)["Subject"])
        for key in box.iterkeys()
    ]
    assert sorted(subjects) == sorted(SUBJECTS)
