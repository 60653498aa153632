"""Public pages of the service cloud (no account): following an application by its number (办件查询) and rating
it once it is done or refused (评价).

Following needs the number only and shows nothing personal: the item, the department, the state, the deadline,
the public steps without staff names, the applicant's name masked (王*). Rating asks for proof: the last four
characters of the applicant's phone or ID number (:func:`sanshe.servicedesk.services.find_for_applicant`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from . import services
from .choices import FINAL_STATES, Action, MaterialStatus
from .forms_applications import RateForm
from .models import Application

MAX_WRONG_TRIES = 5  # per number and browser session; then the applicant rates at the window (回访)
SESSION_KEY = "servicedesk_rate_tries"


def mask_name(name: str) -> str:
    name = (name or "").strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def public_steps(app: Application) -> list[dict]:
    rows = []
    for step in app.steps.filter(public=True).order_by("at", "pk"):
        note = ""
        if step.action == Action.REQUEST_SUPPLEMENT:
            note = "、".join(step.data.get("missing") or []) or step.note
        elif step.action in (Action.COMPLETE, Action.REFUSE):
            note = app.result_note or step.note
        rows.append({"label": Action(step.action).label, "at": step.at, "note": note,
                     "state": step.get_to_state_display() if step.to_state else ""})
    return rows


class TrackView(View):
    template = "servicedesk/public/track.html"

    def _context(self, request, number, form=None):
        app = Application.objects.select_related("item", "department", "station").filter(
            number=number).first() if number else None
        ctx = {"number": number, "app": app, "form": form, "searched": bool(number)}
        if app is not None:
            clock = services.remaining_working_seconds(app)
            ctx.update({
                "applicant": mask_name(app.applicant_name), "steps": public_steps(app),
                "missing": [m.name for m in app.materials.all() if m.status == MaterialStatus.MISSING],
                "remaining_days": None if clock is None else round(
                    clock / services.calendar_for(app).day_seconds, 1),
                "can_rate": app.state in FINAL_STATES and not app.rating,
            })
            if ctx["can_rate"] and form is None:
                ctx["form"] = RateForm(initial={"number": app.number})
        return ctx

    def get(self, request):
        number = (request.GET.get("number") or "").strip()[:30]
        return render(request, self.template, self._context(request, number))

    def post(self, request):
        form = RateForm(request.POST)
        number = (request.POST.get("number") or "").strip()[:30]
        if form.is_valid():
            d = form.cleaned_data
            tries = request.session.get(SESSION_KEY, {})
            if tries.get(number, 0) >= MAX_WRONG_TRIES:
                form.add_error("check", _("Too many wrong tries. Rate it at the window or by phone."))
            else:
                app = services.find_for_applicant(number, d["check"])
                if app is None:
                    tries[number] = tries.get(number, 0) + 1
                    request.session[SESSION_KEY] = tries
                    form.add_error("check", _("These are not the last four digits of the applicant's phone or "
                                              "ID number."))
                else:
                    try:
                        services.transition(app, Action.RATE, actor=None, rating=d["rating"],
                                            comment=d["comment"], applicant_verified=True)
                    except ValidationError as exc:
                        for field, errors in exc.message_dict.items():
                            form.add_error(field if field in form.fields else None, errors)
                    else:
                        messages.success(request, _("Thank you for your rating."))
                        return redirect(reverse("servicedesk:track") + f"?number={app.number}")
        return render(request, self.template, self._context(request, number, form), status=400)
