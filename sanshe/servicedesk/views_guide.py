"""The public 办事指南 (service guide): what each item of a district's catalogue needs, who handles it, how long
it may take and what it costs, so that a resident comes to the window once with everything (一次办好).

No account needed. Only active items are shown; ``?district=`` picks the district when there are several.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from sanshe.territory.choices import Level
from sanshe.territory.models import Node

from .models import ItemMaterial, ServiceCategory, ServiceItem, ServiceStation


def guide_districts():
    """Districts that have at least one active item, with ``item_count``."""
    counts = dict(ServiceItem.objects.filter(is_active=True).values_list("district_id").annotate(n=Count("id"))
                  .values_list("district_id", "n"))
    districts = list(Node.objects.filter(pk__in=counts, level=Level.DISTRICT, is_active=True).order_by("code"))
    for district in districts:
        district.item_count = counts[district.pk]
    return districts


class GuideView(TemplateView):
    """Items by category with department, time limit, fee, channel; ``?q=`` searches names."""

    template_name = "servicedesk/guide/guide.html"

    def get_context_data(self, **kwargs):
        districts = guide_districts()
        wanted = self.request.GET.get("district") or ""
        # without a choice: the district with the largest catalogue (usually the only one)
        fallback = max(districts, key=lambda d: d.item_count, default=None)
        district = next((d for d in districts if str(d.pk) == wanted), fallback)
        q = (self.request.GET.get("q") or "").strip()[:50]
        groups = []
        count = 0
        if district is not None:
            items = (ServiceItem.objects.filter(district=district, is_active=True)
                     .select_related("department", "category").order_by("sort_order", "code"))
            if q:
                items = items.filter(Q(name__contains=q) | Q(description__contains=q) | Q(department__name__contains=q))
            by_category: dict[int, list] = {}
            for item in items:
                by_category.setdefault(item.category_id, []).append(item)
                count += 1
            for category in ServiceCategory.objects.filter(pk__in=by_category).order_by("sort_order", "code"):
                groups.append((category, by_category[category.pk]))
        return super().get_context_data(districts=districts, district=district, groups=groups, q=q, count=count,
                                        **kwargs)


class GuideItemView(TemplateView):
    """One item's guide: what it is, who may apply, the materials, where and how long; the stations to go to."""

    template_name = "servicedesk/guide/item.html"

    def get_context_data(self, **kwargs):
        item = get_object_or_404(
            ServiceItem.objects.filter(is_active=True).select_related("department", "category", "district")
            .prefetch_related(Prefetch("materials", queryset=ItemMaterial.objects.order_by("sort_order", "pk"))),
            pk=self.kwargs["pk"])
        if not item.district.is_active:
            raise Http404
        stations = (ServiceStation.objects.filter(district_id=item.district_id, is_active=True)
                    .select_related("node").order_by("node__code", "name")[:50])
        materials = list(item.materials.all())
        return super().get_context_data(item=item, materials=materials, stations=stations,
                                        required=[m for m in materials if m.required],
                                        optional=[m for m in materials if not m.required], **kwargs)
