"""Issue 20, review fix ("criteria texts, the signature statement, ... translated"): the
statement of a form or casebook signature and the protocol's site-setting labels on Chinese pages.

A signature keeps the exact statement its signer read, in the signer's language (21 CFR 11.50:
the meaning is part of the signed record): an investigator signing on a Chinese page stores the
Chinese statement, one signing in English the English; each reader sees the statement in their
own language, and the words as signed beside it when they differ. Site settings carry
``label_zh`` beside ``label`` in the protocol file, shown on the Chinese study page."""

from __future__ import annotations

import html as entities
from datetime import UTC, date, datetime

import pytest
from helpers import PASSWORD, SYSTEM, csrf_of, principal
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.protocol import bundled_protocol
from dawna.protocol.diff import diff_protocols
from dawna.services import randomization, safety, signoff
from dawna.services.schemas_signoff import SignIn
from dawna.store.db import Database

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def lab(app_db: Database, settings: Settings) -> tuple[str, int]:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole")
    with simulated(NOW):
        row = safety.record_lab(app_db, settings, principal(app_db, "coord_a"), pid,
                                safety.LabIn(analyte="anc", value=2.6, unit="10^9/L", lln=1.8,
                                             sample_date=date(2024, 3, 13)))
    return pid, row.id


def _between(page: str, testid: str) -> str:
    return entities.unescape(page.split(f'data-testid="{testid}">', 1)[1].split("</p>", 1)[0])


def test_a_signature_keeps_the_signers_words_and_reads_in_the_readers_language(
        client_for, app_db: Database, lab: tuple[str, int]) -> None:  # type: ignore[no-untyped-def]
    pid, lab_id = lab
    zh, en = client_for("inv_a", locale="zh-CN"), client_for("inv_a")
    url = f"/participants/{pid}/casebook"
    page = zh.get(url).text
    assert "签名含义" in page  # the sign form's labels, and its meanings
    assert '<option value="review" selected>审核</option>' in page
    signed = zh.post(f"{url}/sign", data={
        "table_name": "lab_result", "row_id": str(lab_id), "meaning": "review",
        "confirm": "yes", "password": PASSWORD, "csrf_token": csrf_of(page)},
        follow_redirects=False)
    assert signed.status_code == 303, signed.text[:300]
    # the Chinese catalogue's words for "{meaning}: I, as investigator, have reviewed {form}
    # {row} of {id} and attest that its data are accurate and complete."
    chinese = f"审核：本人作为研究者已审核 {pid} 的 实验室检查结果 {lab_id}，确认其数据准确、完整。"
    english = (f"Review: I, as investigator, have reviewed Laboratory result {lab_id} of {pid} "
               "and attest that its data are accurate and complete.")
    book = en.get(f"/api/participants/{pid}/casebook").json()
    (entry,) = [f for f in book["forms"] if f["table_name"] == "lab_result"]
    assert entry["signature"]["meaning"] == chinese  # stored as signed
    assert entry["signature"]["meaning_shown"] == english
    panel = en.get(f"/participants/{pid}/forms/lab_result/{lab_id}/signoff").text
    assert _between(panel, "signature-statement") == english
    assert _between(panel, "signed-text") == f"Text as signed: {chinese}"
    panel_zh = zh.get(f"/participants/{pid}/forms/lab_result/{lab_id}/signoff").text
    assert _between(panel_zh, "signature-statement") == chinese
    assert 'data-testid="signed-text"' not in panel_zh
    # the casebook signed in English (the service outside a request): Chinese on a Chinese page
    with simulated(NOW):
        signoff.sign(app_db, Settings(env="test", database_url=app_db.url, secret_key="t" * 40),
                     principal(app_db, "inv_a"), pid, None, None,
                     SignIn(password=PASSWORD, meaning="approval", confirm=True))
    whole = zh.get(url).text.split('data-testid="casebook-signoff"', 1)[1].split("</section>")[0]
    assert _between(whole, "signature-statement") == (
        f"批准：本人作为研究者已审核 {pid} 的CRF全册，确认其数据准确、完整。")
    assert _between(whole, "signed-text") == (
        f"签署时的原文: Approval: I, as investigator, have reviewed the whole casebook of {pid} "
        "and attest that its data are accurate and complete.")


def test_site_setting_labels_in_chinese_on_the_study_page_and_the_diff(client_for) -> None:  # type: ignore[no-untyped-def]
    protocol = bundled_protocol()
    missing = [name for name, s in protocol.site_settings.items() if not s.label_zh]
    assert missing == []
    page = client_for("coord_a", locale="zh-CN").get("/study").text
    row = page.split('data-setting="anc_min"><td>', 1)[1].split("<", 1)[0]
    assert row.strip() == "中性粒细胞绝对计数"
    assert "Absolute neutrophil count" not in page
    english = client_for("coord_a").get("/study").text
    assert english.split('data-setting="anc_min"><td>', 1)[1].split("<", 1)[0].strip() == (
        "Absolute neutrophil count")
    # an amendment that changes a setting names it by its label in the reader's language
    changed = protocol.model_copy(update={"site_settings": {
        **protocol.site_settings,
        "anc_min": protocol.site_settings["anc_min"].model_copy(update={"value": 2.0})}})
    diff = diff_protocols(protocol, changed)
    (change,) = diff.changes
    assert change.path == "site_settings.anc_min.value"
    assert diff.setting_label(change.path, "zh_CN") == "中性粒细胞绝对计数"
    assert diff.setting_label(change.path, "en") == "Absolute neutrophil count"
    assert diff.setting_label("eligibility.inclusion[IN1].text", "zh_CN") == ""
