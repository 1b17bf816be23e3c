"""The one error the reader raises for a file it cannot use: what happened (`kind`), and the customer's reply."""

from __future__ import annotations

from typing import Literal

Kind = Literal["too_large", "too_long", "unreadable", "timeout"]

GENERIC_MESSAGE = "No pudimos leer la imagen. ¿Nos envía una captura de pantalla del comprobante, por favor?"

CUSTOMER_MESSAGES = {
    "too_large": "El archivo es demasiado grande. ¿Nos envía una captura de pantalla del comprobante, por favor?",
    "too_long": (
        "La imagen tiene una forma que no es la de un comprobante. "
        "¿Nos envía una captura de pantalla del comprobante, por favor?"
    ),
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

KINDS: dict[str, Kind] = {
    "too_large": "too_large",
    "decompression_bomb": "too_large",
    "out_of_memory": "too_large",
    "too_long": "too_long",
    "timeout": "timeout",
}
"""What each code means for a caller: refused for its size, for its shape, out of time; anything else unreadable."""


class UnreadableReceipt(Exception):
    """A file the reader refuses or cannot read.

    `code` names the precise reason (`too_large`, `decompression_bomb`, `too_long`, `too_small`,
    `unsupported_type`, `corrupt`, `no_text`, `timeout`, `out_of_memory`, `crashed`); `kind` groups them into what a
    caller acts on (`too_large`, `too_long`, `unreadable`, `timeout`); `customer_message` is for the customer.
    """

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.kind: Kind = KINDS.get(code, "unreadable")
        self.customer_message = CUSTOMER_MESSAGES.get(code, GENERIC_MESSAGE)

    @property
    def detail(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        return f"{self.args[0]} ({self.code})"

    def __reduce__(self) -> tuple[type[UnreadableReceipt], tuple[str, str]]:
        return (type(self), (self.code, self.args[0]))
