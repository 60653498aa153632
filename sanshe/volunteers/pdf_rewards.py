"""The volunteer service certificate (志愿服务证明) as a PDF: reportlab, the CID font STSong-Light, a QR code to the
public verification page. What 民政部令第67号 asks of it: the volunteer's name, ID type and number (masked), volunteer
number, hours and content of the service, the issuer, its person in charge, the certificate number and date."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from sanshe.servicedesk.pdf import FONT, LATIN, _font, _label_value, wrap


def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def certificate_pdf(cert, verify_url: str, *, invariant: bool = False, compress: bool = True) -> bytes:
    font = _font()
    buffer = io.BytesIO()
    page_w, page_h = A4
    c = canvas.Canvas(buffer, pagesize=A4, invariant=int(invariant), pageCompression=int(compress))
    c.setTitle(f"志愿服务证明 {cert.number}")
    c.setAuthor(cert.issuer_name)
    c.setSubject(cert.number)
    left, right = 25 * mm, page_w - 25 * mm
    _label_value(c, right, page_h - 20 * mm, "证明编号：", cert.number, 10, right=True)
    c.setFont(font, 24)
    c.drawCentredString(page_w / 2, page_h - 42 * mm, "志愿服务证明")
    size, leading = 13, 24
    y = page_h - 60 * mm
    issued = timezone.localtime(cert.issued_at)
    body = (f"兹证明{cert.holder_name}（{cert.id_type}：{cert.id_masked or '—'}，志愿者编号：{cert.volunteer_number}）"
            f"于{_cn_date(cert.period_start)}至{_cn_date(cert.period_end)}期间参加由{cert.issuer_name}组织的志愿服务"
            f"{cert.record_count}次，经确认的志愿服务时长共计{cert.hours.normalize():f}小时。\n"
            f"服务内容：{cert.content}\n特此证明。")
    c.setFont(font, size)
    for line in wrap(body, right - left, size, font):
        c.drawString(left, y, line)
        y -= leading
    y = min(y - 16 * mm, page_h - 170 * mm)
    c.setFont(font, 13)
    c.drawRightString(right, y, f"出具单位：{cert.issuer_name}（盖章）")
    c.drawRightString(right, y - 24, f"负责人：{cert.person_in_charge}")
    c.drawRightString(right, y - 48, f"出具日期：{_cn_date(issued.date())}")
    if cert.revoked_at is not None:
        c.setFillColorRGB(0.78, 0.06, 0.18)
        c.setFont(font, 28)
        c.drawCentredString(page_w / 2, y - 90, "已作废")
        c.setFillColorRGB(0, 0, 0)
    qr_size = 32 * mm
    widget = QrCodeWidget(verify_url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, left, 22 * mm)
    text_x = left + qr_size + 6 * mm
    c.setFont(FONT, 9)
    c.drawString(text_x, 22 * mm + 24 * mm, "扫码或访问以下网址，凭证明编号核验真伪：")
    c.setFont(LATIN, 8 if len(verify_url) > 70 else 9)
    c.drawString(text_x, 22 * mm + 18 * mm, verify_url)
    c.setFont(FONT, 9)
    c.drawString(text_x, 22 * mm + 12 * mm, "依据《志愿服务记录与证明出具办法（试行）》（民政部令第67号）出具。")
    c.drawString(text_x, 22 * mm + 6 * mm, "谁记录谁证明；涂改无效。")
    c.showPage()
    c.save()
    return buffer.getvalue()
