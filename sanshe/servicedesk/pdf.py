"""The certificate as a PDF (reportlab, the built-in CID font STSong-Light: no font files to ship).

A4, the type as the title, the serial number, the frozen wording, the community as issuer with the date, and the
public verification address with its code and a QR code. ``invariant`` makes the same certificate give the same
bytes (tests); ``compress=False`` leaves the text streams readable.
"""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def wrap(text: str, width: float, size: float, font: str = FONT) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (Chinese breaks anywhere; paragraphs start indented)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        paragraph = paragraph.strip()
        if not paragraph:
            lines.append("")
            continue
        line = "\u3000\u3000"  # two full-width spaces: the first-line indent of Chinese documents
        for ch in paragraph:
            if pdfmetrics.stringWidth(line + ch, font, size) > width:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


LATIN = "Helvetica"  # serial numbers, codes and addresses: plain text in the content stream (searchable)


def _label_value(c, x: float, y: float, label: str, value: str, size: float, *, right: bool = False) -> None:
    """``label`` in the Chinese font followed by ``value`` in Helvetica; ``right``: ending at ``x``."""
    width = pdfmetrics.stringWidth(label, FONT, size) + pdfmetrics.stringWidth(value, LATIN, size)
    start = x - width if right else x
    c.setFont(FONT, size)
    c.drawString(start, y, label)
    c.setFont(LATIN, size)
    c.drawString(start + pdfmetrics.stringWidth(label, FONT, size), y, value)


def certificate_pdf(certificate, verify_url: str, *, invariant: bool = False, compress: bool = True) -> bytes:
    font = _font()
    buffer = io.BytesIO()
    page_w, page_h = A4
    c = canvas.Canvas(buffer, pagesize=A4, invariant=int(invariant), pageCompression=int(compress))
    c.setTitle(f"{certificate.type.name} {certificate.serial}")
    c.setAuthor(certificate.community.name if certificate.community_id else "")
    c.setSubject(certificate.serial)
    left, right = 25 * mm, page_w - 25 * mm
    # serial number, top right
    _label_value(c, right, page_h - 20 * mm, "编号：", certificate.serial, 10, right=True)
    # title
    c.setFont(font, 24)
    c.drawCentredString(page_w / 2, page_h - 42 * mm, certificate.type.name)
    # body
    size, leading = 14, 26
    y = page_h - 62 * mm
    c.setFont(font, size)
    for line in wrap(certificate.body, right - left, size, font):
        c.drawString(left, y, line)
        y -= leading
    # issuer and date
    issued = timezone.localtime(certificate.issued_at)
    y = min(y - 20 * mm, page_h - 150 * mm)
    c.setFont(font, 14)
    c.drawRightString(right, y, f"{certificate.community.name if certificate.community_id else ''}（盖章）")
    c.drawRightString(right, y - 28, f"{issued.year}年{issued.month}月{issued.day}日")
    if certificate.revoked_at is not None:
        c.setFillColorRGB(0.78, 0.06, 0.18)
        c.setFont(font, 28)
        c.drawCentredString(page_w / 2, y - 70, "已作废")
        c.setFillColorRGB(0, 0, 0)
    # verification: QR code and the address
    qr_size = 32 * mm
    widget = QrCodeWidget(verify_url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, left, 22 * mm)
    c.setFont(font, 9)
    text_x = left + qr_size + 6 * mm
    c.drawString(text_x, 22 * mm + 24 * mm, "扫码或访问以下网址核验本证明真伪：")
    c.setFont(LATIN, 8 if len(verify_url) > 70 else 9)
    c.drawString(text_x, 22 * mm + 18 * mm, verify_url)
    _label_value(c, text_x, 22 * mm + 12 * mm, "核验码：", certificate.verify_code, 9)
    c.setFont(font, 9)
    c.drawString(text_x, 22 * mm + 6 * mm, "本证明仅证明开具之日社区掌握的情况，涂改无效。")
    c.showPage()
    c.save()
    return buffer.getvalue()
