"""Stories from the ninth round's tuned layout families (tests/ocr/generator/wide_layouts.py), which the reader had
never been shaped on: dotted leaders in a proportional face, a form whose labels are in small light type against a
gutter, holder blocks under section headings, and an e-mail whose own `De:` / `Asunto:` headers are no payment's;
each read by real Tesseract from a generated image the earlier reader got wrong."""

from __future__ import annotations

from decimal import Decimal

from bot.ocr import ReceiptFields, read_receipt
from tests.ocr.generator import Receipt, card_image, generate


def _read(family: str, seed: int) -> tuple[Receipt, ReceiptFields]:
    receipt = generate(seed, family=family, photographed=False)
    assert receipt.family == family and not receipt.photographed
    return receipt, read_receipt(receipt.data)


def test_a_holder_after_a_dotted_leader_is_read_and_the_new_balance_is_never_a_sure_amount() -> None:
    receipt, fields = _read("w-leaders", 20014)  # `ASOCIADO ......... Transportes Zúñiga e Hijos S.A.`
    assert fields.payer_name == receipt.truth.payer_name == "Transportes Zúñiga e Hijos S.A."
    assert fields.payee_name == receipt.truth.payee_name
    assert fields.amount != Decimal("112779.94") or fields.confidence["amount"] < 0.9  # `Nuevo saldo`


def test_leader_dots_read_as_letters_stay_out_of_the_value_after_them() -> None:
    receipt, fields = _read("w-leaders", 20016)  # `Beneficiario ........ Valeria Castro`, dots read `nononnnnos`
    assert fields.payee_name == receipt.truth.payee_name == "Valeria Castro"


def test_the_bank_heading_over_a_title_read_as_a_label_is_never_the_description() -> None:
    receipt, fields = _read("w-form", 20001)  # `Scotia en Línea` over the title `Detalle del movimiento`
    assert fields.description == receipt.truth.description == "PAGO ID 64464"


def test_a_label_in_small_light_type_is_the_whole_label_though_its_words_are_new() -> None:
    receipt, fields = _read("w-form", 20015)  # `Descripción adicional` small and grey, its value large and bold
    assert fields.description == receipt.truth.description == "Cliente ID-98574 noviembre"
    assert fields.client_id == "98574"


def test_section_headings_name_the_holder_of_a_block_with_a_generic_label_and_of_a_bare_name() -> None:
    receipt, fields = _read("w-holder-blocks", 20012)  # `ORIGEN DE LOS FONDOS` / `Titular ...`; a bare name
    assert (fields.payer_name, fields.payee_name) == (receipt.truth.payer_name, receipt.truth.payee_name)
    assert fields.confidence["payee_name"] < 0.9
    receipt, fields = _read("w-holder-blocks", 20008)  # `Información del remitente` / `Nombre:` under `Celular:`
    assert (fields.payer_name, fields.payee_name) == ("Ana Mora Calderón", "SERVICIOS MÉDICOS AURORA S.A.")


def test_a_heading_never_takes_the_holders_pair_under_it_as_its_value() -> None:
    receipt, fields = _read("w-holder-blocks", 20001)  # `Cuenta debitada` / `Nombre del titular Mauricio ...`
    assert fields.payer_name == receipt.truth.payer_name == "Mauricio Rojas Ramírez"
    assert fields.description == receipt.truth.description  # wrapped over four lines in its column


def test_a_phone_beside_its_own_label_is_no_description_of_the_heading_under_it() -> None:
    receipt, fields = _read("w-holder-blocks", 20002)  # `Celular: (506) 7506-3928` over `Detalle de la transacción`
    assert receipt.truth.description is None
    assert fields.description is None


def test_an_emails_own_sender_and_subject_are_not_the_payer_and_the_description() -> None:
    receipt, fields = _read("w-mail-headers", 20004)  # `De: Alertas Banco de Costa Rica`, `Asunto: Aviso de débito`
    assert fields.payer_name == receipt.truth.payer_name
    assert fields.description == receipt.truth.description == "Transferencia"
    receipt, fields = _read("w-mail-headers", 20016)  # no description at all: the subject is none
    assert receipt.truth.description is None and fields.description is None


def test_a_holders_name_wrapped_under_its_account_is_read_whole() -> None:
    receipt, fields = _read("w-form", 20011)  # `Quien envía  CR97 ... 2882` / `María de los Ángeles` / `Esquivel ...`
    assert fields.payer_name == receipt.truth.payer_name == "María de los Ángeles Esquivel Villalobos"
    receipt, fields = _read("w-form", 20037)  # a 17-digit client account over the name; `Constructora ...` / `S.A.`
    assert fields.payer_name == receipt.truth.payer_name == "María Rodríguez Rojas"
    assert fields.payee_name == receipt.truth.payee_name == "Constructora Monteverde S.A."


def test_two_holder_blocks_side_by_side_are_read_one_column_at_a_time() -> None:
    receipt, fields = _read("w-side-blocks", 20001)  # `DESTINO DE LOS FONDOS` | `Datos del ordenante`
    assert (fields.payer_name, fields.payee_name) == (receipt.truth.payer_name, receipt.truth.payee_name)


def test_a_section_headings_block_below_it_is_its_holder_never_the_block_above() -> None:
    receipt, fields = _read("w-holder-blocks", 20015)  # `Cuenta acreditada`, a rule, then the payee's account and name
    assert (fields.payer_name, fields.payee_name) == ("REBECA QUESADA NUÑEZ", "ANDRES CHAVES CHACON")
    assert receipt.truth.payee_name == "ANDRES CHAVES CHACON"
    receipt, fields = _read("w-holder-blocks", 20023)  # `Celular:   (506) 6836-2076` / `Greivin Madrigal` under it
    assert (fields.payer_name, fields.payee_name) == ("Greivin Madrigal", "Wolk Software S.A.")


def test_digits_just_before_an_amount_found_only_by_its_shape_leave_it_unsure() -> None:
    fields = read_receipt(card_image([  # `Suma`, a label no vocabulary lists; a group read apart from the rest
        ("Fecha", "23/8/2026"), ("Suma", "1351 715,00 COLONES"), ("Descripción", "pago id 85910 agosto"),
    ], bank="BCR", family="rows-colon"))
    assert fields.amount == Decimal("1351715.00") or fields.confidence["amount"] < 0.9


def test_a_message_boxs_send_icon_is_no_value_of_its_placeholder() -> None:
    receipt = generate(10077, part="tuned")  # an SMS thread ending with `Mensaje de texto` and its send icon, `O`
    assert receipt.family == "w-sms-thread"
    fields = read_receipt(receipt.data)
    assert fields.description == receipt.truth.description == "ID:92835"
