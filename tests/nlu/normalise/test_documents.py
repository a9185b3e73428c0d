import pytest

from nlu.normalise.documents import DOCUMENT_IDS, find_documents, parse_document


@pytest.mark.parametrize(
    ("raw", "document"),
    [
        # nlu-contract.md "common words"
        ("등본", "resident_copy"),
        ("주민등록등본", "resident_copy"),
        ("주민등본", "resident_copy"),
        ("초본", "resident_abstract"),
        ("주민등록초본", "resident_abstract"),
        ("가족관계", "family_relation"),
        ("가족증명서", "family_relation"),
        ("가족관계증명서", "family_relation"),
        ("기본증명", "basic_cert"),
        ("기본증명서", "basic_cert"),
        ("혼인관계", "marriage_relation"),
        ("혼인증명서", "marriage_relation"),
        ("혼인관계증명서", "marriage_relation"),
        ("입양관계", "adoption_relation"),
        ("입양관계증명서", "adoption_relation"),
        ("제적등본", "removed_register"),
        ("제적초본", "removed_register"),
        ("제적부", "removed_register"),
        ("인감", "seal_certificate"),
        ("인감증명서", "seal_certificate"),
        ("납세증명서", "local_tax_payment"),
        ("지방세 완납증명", "local_tax_payment"),
        ("지방세 납세증명서", "local_tax_payment"),
        ("토지대장", "land_ledger"),
        ("토지 대장", "land_ledger"),
        ("건축물대장", "building_ledger"),
        ("건축물 대장", "building_ledger"),
        ("건물대장", "building_ledger"),
        # spacing, typos, speech
        ("주민 등록 등본", "resident_copy"),
        ("주민등록 표 등본", "resident_copy"),
        ("주민등록표 등본", "resident_copy"),
        ("등몬", "resident_copy"),
        ("등뽄", "resident_copy"),
        ("초뽄", "resident_abstract"),
        ("쵸본", "resident_abstract"),
        ("주민등록표 초본", "resident_abstract"),
        ("가족관게증명서", "family_relation"),
        ("가족 관계 증명서", "family_relation"),
        ("가족관계 증명서", "family_relation"),
        ("기본 증명서", "basic_cert"),
        ("혼인 관계", "marriage_relation"),
        ("혼인 관계 증명서", "marriage_relation"),
        ("결혼증명서", "marriage_relation"),
        ("입양 관계 증명서", "adoption_relation"),
        ("제적 등본", "removed_register"),
        ("제적 등·초본", "removed_register"),
        ("인감증명", "seal_certificate"),
        ("인감 증명서", "seal_certificate"),
        ("납세 증명", "local_tax_payment"),
        ("완납증명서", "local_tax_payment"),
        ("건축물관리대장", "building_ledger"),
        ("집합건축물대장", "building_ledger"),
        ("세금 납부 증명서", "local_tax_payment"),
        ("토지대장 등본", "land_ledger"),
        ("가족관계증명서(상세)", "family_relation"),
        ("등본 떼러 왔어요", "resident_copy"),
        ("등본이요", "resident_copy"),
        ("등본인데요", "resident_copy"),
    ],
)
def test_document_words_normalise_to_contract_ids(raw: str, document: str) -> None:
    assert parse_document(raw) == document


def test_every_contract_document_id_has_words() -> None:
    assert {
        parse_document(w)
        for w in [
            "등본",
            "초본",
            "가족관계",
            "기본증명",
            "혼인관계",
            "입양관계",
            "제적부",
            "인감",
            "납세증명서",
            "토지대장",
            "건축물대장",
        ]
    } == set(DOCUMENT_IDS)


def test_removed_register_copy_is_not_a_resident_copy() -> None:
    matches = find_documents("제적등본 한 통이요")
    assert [(m.start, m.end, m.document) for m in matches] == [(0, 4, "removed_register")]


@pytest.mark.parametrize("text", ["등초본", "등·초본", "주민등록 등초본", "등본 초본"])
def test_deungchobon_names_both_the_copy_and_the_abstract(text: str) -> None:
    assert [m.document for m in find_documents(text)] == ["resident_copy", "resident_abstract"]


def test_the_two_documents_of_deungchobon_get_separate_spans() -> None:
    text = "등·초본 떼려고요"
    assert [(text[m.start : m.end], m.document) for m in find_documents(text)] == [
        ("등", "resident_copy"),
        ("초본", "resident_abstract"),
    ]


def test_spaced_document_words_keep_the_original_span() -> None:
    text = "어머니 가족 관계 증명서 좀 떼 주세요"
    ((match),) = find_documents(text)
    assert text[match.start : match.end] == "가족 관계 증명서"


@pytest.mark.parametrize(
    "text",
    [
        "인감도장 가져가야 돼요?",
        "신분증 등 본인 확인 서류",
        "주민등록증 잃어버렸어요",
        "주민센터 몇 시까지 해요",
        "기본적으로 뭐가 필요해요",
        "오늘 날씨 어때?",
        "부동산 등기부등본 떼야 하는데요",  # a court register, not a resident copy
        "국세 완납증명서 떼 주세요",  # national tax, not local tax
    ],
)
def test_words_that_only_contain_document_syllables_are_not_documents(text: str) -> None:
    assert find_documents(text) == []


@pytest.mark.parametrize(
    ("text", "document"),
    [
        ("가족관꼐증명서 주세요", "family_relation"),
        ("가족 관꼐 증명서 두 통", "family_relation"),
        ("가족관증명서요", "family_relation"),
        ("혼인관겨증명서요", "marriage_relation"),
        ("건축뭍대장 떼려고요", "building_ledger"),
        ("토지대잔 말고 토지대장이요", "land_ledger"),
        ("입양관꼐증명서", "adoption_relation"),
        ("주민등록등뽄이요", "resident_copy"),
    ],
)
def test_a_long_document_word_with_one_typo_before_its_suffix_is_recognised(
    text: str, document: str
) -> None:
    assert parse_document(text) == document


@pytest.mark.parametrize(
    "text",
    [
        "입원증명서 주세요",  # a hospital's, one syllable but two letters away
        "재직증명서요",
        "졸업증명서 떼야 돼요",
        "국세완납증명서요",
        "가족관꼐",  # no suffix: too short to guess
        "등기부등봄",
    ],
)
def test_other_certificates_and_suffixless_typos_are_not_documents(text: str) -> None:
    assert find_documents(text) == []


def test_a_typo_match_keeps_the_original_span() -> None:
    text = "네 가족 관꼐 증명서 두 통이요"
    (match,) = find_documents(text)
    assert text[match.start : match.end] == "가족 관꼐 증명서"


def test_two_typo_documents_in_one_message_are_both_found() -> None:
    found = find_documents("가족관꼐증명서 하고 혼인관겨증명서 하나씩")
    assert [m.document for m in found] == ["family_relation", "marriage_relation"]
