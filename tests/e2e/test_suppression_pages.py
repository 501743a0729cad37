"""The randomize form and menopausal status (issue 17 item 4): a blank status is shown and
refused on record.menopause; a premenopausal woman is offered ovarian function suppression and
refused without it."""

from __future__ import annotations

from helpers import SYSTEM, csrf_of
from randomization_data import _signed_eligible
from screening_data import eligible_record, premenopausal_record

from dawna.services import randomization

BASE = {"factor.visceral_metastasis": "no", "factor.cdk46i_setting": "advanced",
        "choice.endocrine_therapy": "letrozole", "choice.chemotherapy": "capecitabine",
        "confirm": "yes"}


def test_the_randomize_form_needs_menopausal_status_and_suppression(  # type: ignore[no-untyped-def]
        client_for, app_db, settings) -> None:
    randomization.generate(app_db, settings, SYSTEM, "list")
    randomization.go_live(app_db, SYSTEM, "live")
    blank = eligible_record()
    blank.pop("menopause")
    [no_status] = _signed_eligible(app_db, 1, record_data=blank, prefix="B")
    [pre] = _signed_eligible(app_db, 1, record_data=premenopausal_record(), prefix="P")
    coord = client_for("coord_a")
    form = coord.get(f"/participants/{no_status}/randomize")
    assert form.status_code == 200 and 'data-field="record.menopause"' in form.text
    refused = coord.post(f"/participants/{no_status}/randomize",
                         data=BASE | {"csrf_token": csrf_of(form.text)})
    assert refused.status_code == 422 and 'data-field="record.menopause"' in refused.text
    form = coord.get(f"/participants/{pre}/randomize")
    assert "choice.ovarian_function_suppression" in form.text
    refused = coord.post(f"/participants/{pre}/randomize",
                         data=BASE | {"csrf_token": csrf_of(form.text)})
    assert refused.status_code == 422
    assert 'data-field="ovarian_function_suppression"' in refused.text
    done = coord.post(f"/participants/{pre}/randomize", follow_redirects=False, data=BASE | {
        "csrf_token": csrf_of(form.text), "choice.ovarian_function_suppression": "goserelin"})
    assert done.status_code == 303
