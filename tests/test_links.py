"""Survey URL templates: encoding, safety checks, presets and UTM parameters."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envelopekit.errors import LinkError
from envelopekit.links import (
    NON_PERSONAL_FIELDS,
    PRESETS,
    UrlTemplate,
    from_preset,
    google_forms,
    is_qr_alphanumeric,
    limesurvey,
    percent_encode,
    plain,
    qualtrics,
    typeform,
    with_utm,
)
from envelopekit.links.template import PersonalDataError, personal_kind

HOSTILE = [
    "a&b=c",
    "x#frag",
    "two words",
    "../../etc/passwd",
    "what?now",
    "k=v",
    "100%",
    "%41",
    "+plus+",
    "Zoë",
    "Иванова",
    "李小龙",
    "emoji 🎉",
    "tab\tnew\nline",
    "'quote\" <tag>",
    "",
]

# Every Unicode scalar value UTF-8 can encode (no lone surrogates).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=False)


# -- encoding ---------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_query_value_round_trips(value: str) -> None:
    tpl = UrlTemplate.parse("https://example.org/s?v={variant}&t={token}")
    url = tpl.expand({"variant": value, "token": "ABC123"})
    assert _query(url) == {"v": [value], "t": ["ABC123"]}
    assert urlsplit(url).fragment == ""


@given(any_text)
def test_any_value_round_trips_through_parse_qs(value: str) -> None:
    tpl = UrlTemplate.parse("https://example.org/s?v={variant}&t={token}")
    url = tpl.expand({"variant": value, "token": "T"})
    assert _query(url) == {"v": [value], "t": ["T"]}


@given(any_text)
def test_encoded_value_uses_only_unreserved_and_escapes(value: str) -> None:
    encoded = percent_encode(value)
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%")
    assert set(encoded) <= allowed
    assert unquote(encoded) == value


@pytest.mark.parametrize("value", HOSTILE)
def test_value_in_path_stays_one_segment(value: str) -> None:
    url = UrlTemplate.parse("https://example.org/k/{kit}/end").expand({"kit": value})
    parts = urlsplit(url)
    assert parts.netloc == "example.org"
    assert parts.query == "" and parts.fragment == ""
    segments = parts.path.split("/")
    assert len(segments) == 4
    assert unquote(segments[2]) == value


def test_specific_encodings() -> None:
    tpl = UrlTemplate.parse("https://example.org/?v={variant}")
    assert tpl.expand({"variant": "Zoë & co"}) == "https://example.org/?v=Zo%C3%AB%20%26%20co"
    assert tpl.expand({"variant": "a/b?c=d#e"}) == "https://example.org/?v=a%2Fb%3Fc%3Dd%23e"
    assert tpl.expand({"variant": "~-._"}) == "https://example.org/?v=~-._"


def test_plus_field_is_raw() -> None:
    tpl = UrlTemplate.parse("HTTPS://EXAMPLE.ORG/S/{+token}")
    assert tpl.fields == ("token",)
    assert tpl.expand({"token": "7K3M9QXT2B4R"}) == "HTTPS://EXAMPLE.ORG/S/7K3M9QXT2B4R"
    # Reserved characters and escapes pass; what cannot be in a URL is still encoded.
    assert tpl.expand({"token": "a/b?c%41 d"}) == "HTTPS://EXAMPLE.ORG/S/a/b?c%41%20d"


def test_fields_in_order_without_repeats() -> None:
    tpl = UrlTemplate.parse("https://example.org/{kit}/{token}?c={campaign}&t2={token}")
    assert tpl.fields == ("kit", "token", "campaign")
    assert str(tpl) == "https://example.org/{kit}/{token}?c={campaign}&t2={token}"


def test_missing_value_and_non_string_value() -> None:
    tpl = UrlTemplate.parse("https://example.org/?t={token}")
    with pytest.raises(LinkError, match=r"no value for placeholder \{token\}"):
        tpl.expand({"campaign": "x"})
    with pytest.raises(LinkError, match="must be a string"):
        tpl.expand({"token": 5})  # type: ignore[dict-item]
    assert tpl.expand({"token": "A", "email": "ignored@example.org"}) == ("https://example.org/?t=A")


def test_qr_alphanumeric_hint() -> None:
    url = UrlTemplate.parse("HTTPS://EXAMPLE.ORG/S/{+token}").expand({"token": "7K3M9QXT2B4R"})
    assert is_qr_alphanumeric(url)
    assert not is_qr_alphanumeric("https://example.org/s?t=7K3M9QXT2B4R")


# -- safety -------------------------------------------------------------------------


def test_http_rejected_unless_allowed() -> None:
    with pytest.raises(LinkError, match="'http' is not allowed") as info:
        UrlTemplate.parse("http://example.org/?t={token}")
    assert "allow_http" in str(info.value)
    tpl = UrlTemplate.parse("http://example.org/?t={token}", allow_http=True)
    assert tpl.expand({"token": "A"}) == "http://example.org/?t=A"
    assert UrlTemplate.parse("HTTPS://Example.org/{token}").fields == ("token",)


@pytest.mark.parametrize(
    "template",
    [
        "javascript:alert(1)//{token}",
        "JavaScript://example.org/{token}",
        "data:text/html,{token}",
        "ftp://example.org/{token}",
        "mailto:someone@example.org?body={token}",
        "file:///etc/{token}",
    ],
)
def test_other_schemes_never_allowed(template: str) -> None:
    with pytest.raises(LinkError, match="scheme"):
        UrlTemplate.parse(template, allow_http=True)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("example.org/{token}", "not an absolute URL"),
        ("/s/{token}", "not an absolute URL"),
        ("https:example.org/{token}", "no host"),
        ("https:///s/{token}", "no host"),
        ("https://{token}.example.org/", "placeholder in the host"),
        ("https://example.{kit}/", "placeholder in the host"),
        ("https://user:pw@example.org/{token}", "user name or password"),
        ("https://evil.example@example.org/", "user name or password"),
        ("https://exa_mple.org/{token}", "not a valid host name"),
        ("https://example.org:99999/{token}", "not a valid host and port"),
        ("https://example.org:8o/{token}", "not a valid host and port"),
        ("https://[::zz]/{token}", "not a valid host and port"),
        ("https://[::1/{token}", "not a valid host and port"),
        ("https://example.org/a b/{token}", "' ' at column 22"),
        ("https://example.org/\\{token}", "not allowed in a URL"),
        ("https://example.org/zoë/{token}", "%C3%AB"),
        ("https://example.org/%zz/{token}", "%XX escape"),
        ("https://example.org/100%", "%XX escape"),
        ("https://example.org/{token", "never closed"),
        ("https://example.org/token}", "closes no placeholder"),
        ("https://example.org/{}", "not a valid field name"),
        ("https://example.org/{1x}", "not a valid field name"),
        ("https://example.org/{?token}", "operator"),
        ("https://example.org/{#token}", "operator"),
    ],
)
def test_bad_templates(template: str, message: str) -> None:
    with pytest.raises(LinkError, match=message):
        UrlTemplate.parse(template)


def test_good_hosts() -> None:
    for template in (
        "https://example.org",
        "https://example.org:8443/s/{token}",
        "https://[2001:db8::1]/s/{token}",
        "https://xn--bcher-kva.example/{token}",
        "  https://example.org/{token}\n",
    ):
        UrlTemplate.parse(template)


def test_unknown_placeholder_names_closest() -> None:
    known = ["token", "record_id", "campaign"]
    with pytest.raises(LinkError) as info:
        UrlTemplate.parse("https://example.org/?t={tokn}", known_fields=known)
    text = str(info.value)
    assert "{tokn}" in text and "{token}" in text
    with pytest.raises(LinkError, match=r"did you mean \{record_id\}"):
        UrlTemplate.parse("https://example.org/?r={recordid}", known_fields=known)
    with pytest.raises(LinkError, match=r"did you mean \{token\}"):
        UrlTemplate.parse("https://example.org/?r={TOKEN}", known_fields=known)
    with pytest.raises(LinkError, match="no fields are known"):
        UrlTemplate.parse("https://example.org/?t={token}", known_fields=[])
    tpl = UrlTemplate.parse("https://example.org/?t={token}", known_fields=known)
    assert tpl.known_fields == frozenset(known)


def test_personal_field_rejected_unless_allowed() -> None:
    with pytest.raises(LinkError, match="personal data") as info:
        UrlTemplate.parse("https://example.org/?t={token}&e={email}")
    text = str(info.value)
    assert "{email}" in text and "token" in text and "manifest" in text
    assert "allow_personal=True" in text
    tpl = UrlTemplate.parse("https://example.org/?t={token}&e={email}", allow_personal=True)
    assert tpl.expand({"token": "A", "email": "a+b@x.org"}) == ("https://example.org/?t=A&e=a%2Bb%40x.org")


@pytest.mark.parametrize("field", sorted(NON_PERSONAL_FIELDS))
def test_non_personal_fields_need_no_opt_in(field: str) -> None:
    assert UrlTemplate.parse(f"https://example.org/?x={{{field}}}").fields == (field,)


def test_non_personal_fields_constant() -> None:
    assert (
        frozenset({"token", "record_id", "id", "campaign", "kit", "block", "variant"}) == NON_PERSONAL_FIELDS
    )


# -- presets ------------------------------------------------------------------------


def test_google_forms() -> None:
    tpl = google_forms("1FAIpQLSe_x-Y", "entry.123456")
    assert tpl.template == (
        "https://docs.google.com/forms/d/e/1FAIpQLSe_x-Y/viewform?usp=pp_url&entry.123456={token}"
    )
    url = tpl.expand({"token": "7K3M9QXT2B4R"})
    assert _query(url) == {"usp": ["pp_url"], "entry.123456": ["7K3M9QXT2B4R"]}
    with pytest.raises(LinkError, match=r"entry\.123456"):
        google_forms("1FA", "123456")
    with pytest.raises(LinkError, match="/d/e/"):
        google_forms("https://docs.google.com/forms/d/e/1FA/viewform", "entry.1")


def test_typeform_hidden_field_after_hash() -> None:
    tpl = typeform("https://acme.typeform.com/to/AbCdEf")
    assert tpl.template == "https://acme.typeform.com/to/AbCdEf#token={token}"
    assert urlsplit(tpl.expand({"token": "T1"})).fragment == "token=T1"
    both = typeform("https://acme.typeform.com/to/AbCdEf#src=mail", hidden="tok")
    assert both.template == "https://acme.typeform.com/to/AbCdEf#src=mail&tok={token}"


def test_qualtrics_embedded_data_in_query() -> None:
    tpl = qualtrics("https://acme.eu.qualtrics.com/jfe/form/SV_abc123")
    assert tpl.template == "https://acme.eu.qualtrics.com/jfe/form/SV_abc123?token={token}"
    tpl = qualtrics("https://acme.qualtrics.com/jfe/form/SV_abc?Q_Language=DE", param="tk")
    assert tpl.template == "https://acme.qualtrics.com/jfe/form/SV_abc?Q_Language=DE&tk={token}"


def test_limesurvey() -> None:
    assert limesurvey("https://survey.example.org/", 123456).template == (
        "https://survey.example.org/index.php/123456?token={token}"
    )
    assert limesurvey("https://example.org/ls/index.php", "654321", lang="de").template == (
        "https://example.org/ls/index.php/654321?token={token}&lang=de"
    )
    assert limesurvey("https://example.org", 1, url_format="get").template == (
        "https://example.org/index.php?r=survey/index&sid=1&token={token}"
    )
    with pytest.raises(LinkError, match="survey number"):
        limesurvey("https://example.org", "12a")
    with pytest.raises(LinkError, match="'http' is not allowed"):
        limesurvey("http://intranet.example", 1)
    assert limesurvey("http://intranet.example", 1, allow_http=True).allow_http


def test_plain() -> None:
    assert plain("https://example.org/thanks").template == "https://example.org/thanks?t={token}"
    assert plain("https://example.org/a?x=1#top", param="code").template == (
        "https://example.org/a?x=1&code={token}#top"
    )


def test_preset_fixed_parts_are_encoded_not_placeholders() -> None:
    tpl = plain("https://example.org/{email}/hello world/zoë")
    assert tpl.fields == ("token",)
    assert tpl.template == "https://example.org/%7Bemail%7D/hello%20world/zo%C3%AB?t={token}"
    with pytest.raises(LinkError, match="scheme"):
        plain("javascript:alert(1)")
    with pytest.raises(LinkError, match="parameter name"):
        plain("https://example.org", param="a&b")


def test_preset_field_name_is_checked_for_personal_data() -> None:
    with pytest.raises(LinkError, match="personal data"):
        plain("https://example.org", field="email")
    assert plain("https://example.org", field="record_id").fields == ("record_id",)


def test_registry_and_from_preset() -> None:
    assert set(PRESETS) == {"google_forms", "typeform", "qualtrics", "limesurvey", "plain"}
    tpl = from_preset("qualtrics", {"survey_url": "https://x.qualtrics.com/jfe/form/SV_1"})
    assert tpl == qualtrics("https://x.qualtrics.com/jfe/form/SV_1")
    with_tracking = from_preset(
        "typeform",
        {"form_url": "https://a.typeform.com/to/X", "utm": {"source": "ny", "campaign": "c"}},
    )
    assert with_tracking.template == (
        "https://a.typeform.com/to/X?utm_source=ny&utm_medium=direct_mail&utm_campaign=c#token={token}"
    )
    with pytest.raises(LinkError, match="did you mean 'google_forms'"):
        from_preset("googleforms", {})
    with pytest.raises(LinkError, match="did you mean 'form_id'"):
        from_preset("google_forms", {"formid": "1", "token_entry": "entry.1"})
    with pytest.raises(LinkError, match="needs option 'token_entry'"):
        from_preset("google_forms", {"form_id": "1"})
    with pytest.raises(LinkError, match="utm needs 'campaign'"):
        from_preset("plain", {"url": "https://e.org", "utm": {"source": "s"}})
    with pytest.raises(LinkError, match="utm has no option 'src'"):
        from_preset("plain", {"url": "https://e.org", "utm": {"src": "s", "campaign": "c"}})


# -- UTM ------------------------------------------------------------------------------


def test_utm_on_plain_url() -> None:
    text = with_utm("https://example.org/s/{token}", "newsletter", "help me 2025", content="A/B")
    assert text == (
        "https://example.org/s/{token}?utm_source=newsletter&utm_medium=direct_mail"
        "&utm_campaign=help%20me%202025&utm_content=A%2FB"
    )
    url = UrlTemplate.parse(text).expand({"token": "T"})
    assert _query(url) == {
        "utm_source": ["newsletter"],
        "utm_medium": ["direct_mail"],
        "utm_campaign": ["help me 2025"],
        "utm_content": ["A/B"],
    }


def test_utm_respects_existing_query_and_fragment() -> None:
    tpl = with_utm(plain("https://example.org/a#top"), "s", "c", medium="letter")
    assert isinstance(tpl, UrlTemplate)
    assert tpl.template == (
        "https://example.org/a?t={token}&utm_source=s&utm_medium=letter&utm_campaign=c#top"
    )
    parts = urlsplit(tpl.expand({"token": "T"}))
    assert parts.fragment == "top"
    assert _query(parts.geturl())["t"] == ["T"]
    assert with_utm("https://example.org/?", "s", "c") == (
        "https://example.org/?utm_source=s&utm_medium=direct_mail&utm_campaign=c"
    )


def test_utm_keeps_template_options_and_rejects_duplicates() -> None:
    base = UrlTemplate.parse("http://example.org/?e={email}", allow_http=True, allow_personal=True)
    tpl = with_utm(base, "s", "c")
    assert tpl.allow_http and tpl.allow_personal
    with pytest.raises(LinkError, match="already has utm_source"):
        with_utm("https://example.org/?utm_source=x", "s", "c")
    with pytest.raises(LinkError, match="utm_campaign"):
        with_utm("https://example.org/", "s", "")


# -- personal data through the record id -------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("ada@example.org", "an e-mail address"),
        ("Ada.Lovelace+survey@mail.example.co.uk", "an e-mail address"),
        ("+44 20 7946 0958", "a phone number"),
        ("020 7946 0958", "a phone number"),
        ("(503) 555-0100", "a phone number"),
        ("503-555-0100", "a phone number"),
        ("0044 20 7946 0958", "a phone number"),
        ("R0001", None),
        ("10000001", None),
        ("2027-0042", None),
        ("00012345", None),
        ("G-001", None),
        ("a@b", None),
    ],
)
def test_personal_kind(value: str, kind: str | None) -> None:
    assert personal_kind(value) == kind


def test_a_personal_record_id_is_refused_in_urls() -> None:
    tpl = UrlTemplate.parse("https://example.org/s?r={id}&t={token}")
    assert tpl.expand({"id": "R0001", "token": "T"}).endswith("r=R0001&t=T")
    for field in ("id", "record_id"):
        tpl = UrlTemplate.parse(f"https://example.org/s?r={{{field}}}")
        with pytest.raises(PersonalDataError) as info:
            tpl.expand({field: "ada@example.org"})
        assert info.value.field == field and info.value.kind == "an e-mail address"
        assert "allow_personal" in str(info.value)
    allowed = UrlTemplate.parse("https://example.org/s?r={id}", allow_personal=True)
    assert allowed.expand({"id": "ada@example.org"}) == "https://example.org/s?r=ada%40example.org"


def test_links_reject_the_record_not_the_batch() -> None:
    """--id-field email with a link using {id}: that record is rejected naming the column."""
    from dataclasses import replace

    from envelopekit.errors import RecordError
    from envelopekit.layouts import load_layout
    from envelopekit.links import Links

    raw = {"preset": "plain", "url": "https://example.org/s", "field": "id", "token": "random"}
    base = load_layout("help-me")
    spec = replace(base, links={"survey": raw})
    links = Links(spec, id_field="email")
    assert links.for_record("R0001")("survey", "letter", "qr")[0] == "https://example.org/s?t=R0001"
    with pytest.raises(RecordError) as info:
        links.for_record("ada@example.org")("survey", "letter", "qr")
    assert info.value.field == "email"
    assert "looks like an e-mail address" in info.value.message
    assert "allow_personal = true in [links.survey]" in str(info.value)
    spec = replace(base, links={"survey": {**raw, "allow_personal": True}})
    url = Links(spec).for_record("ada@example.org")("survey", "letter", "qr")[0]
    assert url == "https://example.org/s?t=ada%40example.org"


@pytest.mark.parametrize("flag", ["allow_personal", "allow_http"])
def test_allow_flags_must_be_booleans(flag: str) -> None:
    from envelopekit.links import from_preset

    with pytest.raises(LinkError, match=f"{flag} must be true or false"):
        from_preset("plain", {"url": "https://example.org/s", flag: "false"})
