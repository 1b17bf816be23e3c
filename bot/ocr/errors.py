"""The one error the reader raises for a file it cannot use, with the reply the customer gets."""

from __future__ import annotations

GENERIC_MESSAGE = "No pudimos leer la imagen. ¿Nos envía una captura de pantalla del comprobante, por favor?"

CUSTOMER_MESSAGES = {
    "too_large": "El archivo es demasiado grande. ¿Nos envía una captura de pantalla del comprobante, por favor?",
    "unsupported_type": (
        "Ese tipo de archivo no lo podemos leer. ¿Nos envía una foto o captura de pantalla del comprobante, por favor?"
    ),
    "decompression_bomb": GENERIC_MESSAGE,
    "corrupt": "La imagen llegó dañada. ¿Nos la puede enviar de nuevo, por favor?",
    "timeout": GENERIC_MESSAGE,
    "no_text": (
        "No encontramos un comprobante en la imagen. ¿Nos envía una captura de pantalla del comprobante, por favor?"
    ),
}


class UnreadableReceipt(Exception):
    """A file the reader refuses or cannot read; `code` for machines, `customer_message` for the customer."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.customer_message = CUSTOMER_MESSAGES.get(code, GENERIC_MESSAGE)

    def __str__(self) -> str:
        return f"{self.args[0]} ({self.code})"

    def __reduce__(self) -> tuple[type[UnreadableReceipt], tuple[str, str]]:
        return (type(self), (self.code, self.args[0]))
