"""Certificates API (``/api/v1/servicedesk/certificates/…``, ``/api/v1/servicedesk/certificate-types/``).

* List and retrieve the certificates of the caller's territory (``servicedesk.view``, as the pages; ID numbers
  appear masked only, as frozen in the wording).
* Issue (``servicedesk.certify``, for a community of the caller's territory; honours ``Idempotency-Key``: a
  retried request gets the first certificate back, not a second serial number): the answer carries the serial
  number, the public verification address and the PDF's address.
* Revoke with a reason (``servicedesk.certify``), download the PDF (``servicedesk.view``; the page's PDF, an
  audited export as on the page), the certificate types of the caller's districts.
* ``verify/``: the public check of a certificate by serial number **and** verification code, without an account:
  what the public verification page shows (type, the holder's surname, issuer, date, valid or revoked).

Writes go through :mod:`sanshe.servicedesk.services_certificates` (which audits them); refusals are 400 with the
reason keyed by field (``purpose``, ``holder_name``, ``resident``, ``reason`` …).
"""

from __future__ import annotations

import json

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from sanshe.accounts.roles import Perm
from sanshe.api.serializers import ModelSerializer
from sanshe.api.viewsets import ScopedViewSet
from sanshe.core import audit
from sanshe.gridops.api_events import scoped_pk
from sanshe.territory.choices import Level
from sanshe.territory.models import Node, Resident

from . import services_certificates as sc
from .models import Certificate, CertificateType
from .pdf import certificate_pdf
from .views_certificates import mask_name, types_for

VIEW, CERTIFY = Perm.SERVICES_VIEW, Perm.SERVICES_CERTIFY
PK_MAX = 2**31 - 1


def _request(field):
    return field.context.get("request")


# --- serializers -------------------------------------------------------------------------------------------
class CertificateTypeSerializer(ModelSerializer):
    class Meta:
        model = CertificateType
        fields = ["id", "district", "code", "name", "template", "is_active", "sort_order"]
        read_only_fields = fields


class IssuedCertificateSerializer(ModelSerializer):
    """A certificate as lists show it: the holder's ID number masked."""

    type_name = serializers.CharField(source="type.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True, default=None)
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "serial", "type", "type_name", "community", "community_name", "holder_name",
                  "holder_id_masked", "resident", "household", "purpose", "issued_at", "revoked", "revoked_at",
                  "revoke_reason"]
        read_only_fields = fields

    def get_revoked(self, certificate) -> bool:
        return certificate.revoked_at is not None


class IssuedCertificateDetailSerializer(IssuedCertificateSerializer):
    """One certificate with its frozen wording, the public verification address and the PDF's address."""

    verify_url = serializers.SerializerMethodField(
        help_text=_("The public verification address printed on the certificate (with its code)."))
    pdf_url = serializers.SerializerMethodField()
    can_revoke = serializers.SerializerMethodField()

    class Meta(IssuedCertificateSerializer.Meta):
        fields = [*IssuedCertificateSerializer.Meta.fields, "body", "verify_url", "pdf_url", "can_revoke"]
        read_only_fields = fields

    def get_verify_url(self, certificate) -> str:
        request = _request(self)
        path = sc.verify_path(certificate)
        return request.build_absolute_uri(path) if request is not None else path

    def get_pdf_url(self, certificate) -> str:
        request = _request(self)
        path = reverse("servicedesk-certificate-pdf", kwargs={"pk": certificate.pk})
        return request.build_absolute_uri(path) if request is not None else path

    def get_can_revoke(self, certificate) -> bool:
        request = _request(self)
        user = getattr(request, "user", None)
        return bool(certificate.revoked_at is None and user is not None and user.is_authenticated
                    and user.has_permission(CERTIFY)
                    and Certificate.objects.visible_to(user, CERTIFY).filter(pk=certificate.pk).exists())


@extend_schema_field(OpenApiTypes.INT)
class _TypeField(serializers.PrimaryKeyRelatedField):
    """A certificate type of a district the caller certifies in (an inactive one is refused by the service)."""

    def get_queryset(self):
        request = _request(self)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return CertificateType.objects.none()
        return types_for(user, CERTIFY)


class CertificateIssueSerializer(serializers.Serializer):
    """Issue a certificate for a resident of the register, or for a person typed in (name, ID number,
    address)."""

    type = _TypeField(label=_("type"))
    community = scoped_pk(Node, CERTIFY, level=Level.COMMUNITY, is_active=True)(label=_("community"))
    resident = scoped_pk(Resident, Perm.REGISTRY_VIEW)(label=_("resident"), required=False, allow_null=True,
                                                         default=None)
    holder_name = serializers.CharField(label=_("holder"), max_length=50, required=False, allow_blank=True,
                                        default="")
    holder_id_number = serializers.CharField(label=_("holder's ID number"), max_length=18, required=False,
                                             allow_blank=True, default="", write_only=True)
    purpose = serializers.CharField(label=_("purpose"), max_length=200, required=False, allow_blank=True,
                                    default="")
    address = serializers.CharField(label=_("address"), max_length=255, required=False, allow_blank=True,
                                    default="")


class CertificateRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=200, required=False, allow_blank=True,
                                   default="")


class CertificateFilterSerializer(serializers.Serializer):
    community = serializers.IntegerField(label=_("community"), required=False, min_value=1, max_value=PK_MAX)
    type = serializers.IntegerField(label=_("type"), required=False, min_value=1, max_value=PK_MAX)
    q = serializers.CharField(label=_("search"), required=False, max_length=50, allow_blank=True)
    issued_from = serializers.DateField(label=_("issued from"), required=False)
    issued_to = serializers.DateField(label=_("issued up to"), required=False)
    revoked = serializers.BooleanField(label=_("revoked"), required=False, allow_null=True, default=None)


class CertificateVerifySerializer(serializers.Serializer):
    serial = serializers.CharField(label=_("serial number"), max_length=30)
    code = serializers.CharField(label=_("verification code"), max_length=40)


class CertificateVerificationSerializer(serializers.Serializer):
    """What the public verification page shows; nothing else."""

    serial = serializers.CharField()
    valid = serializers.BooleanField(help_text=_("False once revoked."))
    type_name = serializers.CharField()
    holder = serializers.CharField(help_text=_("The surname only."))
    issued_by = serializers.CharField()
    issued_on = serializers.DateField()


class PdfRenderer(renderers.BaseRenderer):
    """Lets ``Accept: application/pdf`` through content negotiation; errors are still JSON bodies."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False, default=str).encode()


ID = [OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)]
FILTERS = [
    OpenApiParameter("community", OpenApiTypes.INT),
    OpenApiParameter("type", OpenApiTypes.INT),
    OpenApiParameter("q", OpenApiTypes.STR, description="Serial number (part) or the holder's name (start)."),
    OpenApiParameter("issued_from", OpenApiTypes.DATE),
    OpenApiParameter("issued_to", OpenApiTypes.DATE),
    OpenApiParameter("revoked", OpenApiTypes.BOOL),
]


# --- viewsets ----------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Certificates of the caller's territory, newest first", parameters=FILTERS),
    retrieve=extend_schema(summary="One certificate with its wording and verification address", parameters=ID,
                           responses=IssuedCertificateDetailSerializer),
    create=extend_schema(
        summary="Issue a certificate (社区证明)",
        description="Honours `Idempotency-Key`: a retried request returns the certificate of the first one. "
                    "Refusals are 400 keyed by field (`purpose`, `holder_name`, `resident`, `type` …).",
        request=CertificateIssueSerializer, responses={201: IssuedCertificateDetailSerializer}),
    revoke=extend_schema(summary="Revoke a certificate with a reason", parameters=ID,
                         request=CertificateRevokeSerializer,
                         responses=IssuedCertificateDetailSerializer),
    pdf=extend_schema(summary="The certificate as PDF (an audited export)", parameters=ID,
                      responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}),
    verify=extend_schema(
        summary="Verify a certificate by serial number and verification code (no account needed)",
        parameters=[OpenApiParameter("serial", OpenApiTypes.STR, required=True),
                    OpenApiParameter("code", OpenApiTypes.STR, required=True)],
        responses={200: CertificateVerificationSerializer,
                   404: OpenApiResponse(description="No such certificate.")}, auth=[]),
)
class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Certificates (证明) of the caller's territory."""

    model = Certificate
    serializer_class = IssuedCertificateSerializer
    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": VIEW, "retrieve": VIEW, "pdf": VIEW, "create": CERTIFY, "revoke": CERTIFY,
                      "default": VIEW}

    @property
    def scope_permission(self):
        return CERTIFY if getattr(self, "action", None) == "revoke" else VIEW

    def get_permissions(self):
        if self.action == "verify":
            return [AllowAny()]
        return super().get_permissions()

    def base_queryset(self):
        return Certificate.objects.select_related("type", "community")

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        f = CertificateFilterSerializer(data=self.request.query_params)
        f.is_valid(raise_exception=True)
        d = f.validated_data
        if d.get("community"):
            qs = qs.filter(community_id=d["community"])
        if d.get("type"):
            qs = qs.filter(type_id=d["type"])
        if d.get("issued_from"):
            qs = qs.filter(issued_at__date__gte=d["issued_from"])
        if d.get("issued_to"):
            qs = qs.filter(issued_at__date__lte=d["issued_to"])
        if d.get("revoked") is not None:
            qs = qs.filter(revoked_at__isnull=not d["revoked"])
        q = (d.get("q") or "").strip()
        if q:
            qs = qs.filter(Q(serial__icontains=q) | Q(holder_name__startswith=q))
        return qs.order_by("-issued_at", "-pk")

    def _detail(self, certificate, code=status.HTTP_200_OK):
        certificate = self.base_queryset().get(pk=certificate.pk)
        return Response(IssuedCertificateDetailSerializer(certificate, context=self.get_serializer_context()).data,
                        status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def create(self, request, *args, **kwargs):
        s = CertificateIssueSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        d = s.validated_data
        resident = d["resident"]
        certificate = sc.issue_certificate(
            actor=request.user, type=d["type"], community=d["community"], resident=resident,
            holder_name="" if resident else d["holder_name"],
            holder_id_number="" if resident else d["holder_id_number"], purpose=d["purpose"],
            address=d["address"])
        return self._detail(certificate, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        certificate = self.get_object()
        s = CertificateRevokeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        certificate = sc.revoke_certificate(certificate, actor=request.user, reason=s.validated_data["reason"])
        return self._detail(certificate)

    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        certificate = self.get_object()
        body = certificate_pdf(certificate, request.build_absolute_uri(sc.verify_path(certificate)))
        # the page's export audit (the PDF carries personal data); not a service write
        audit.record("servicedesk.certificate.exported", obj=certificate, actor=request.user,
                     extra={"format": "pdf", "bytes": len(body), "via": "api"})
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.serial}.pdf"'
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @action(detail=False, methods=["get"])
    def verify(self, request):
        s = CertificateVerifySerializer(data=request.query_params)
        s.is_valid(raise_exception=True)
        serial = s.validated_data["serial"].strip().upper().replace(" ", "")
        code = s.validated_data["code"].strip().upper().replace(" ", "")
        certificate = Certificate.objects.filter(serial=serial, verify_code=code).select_related(
            "type", "community").first()
        if certificate is None:
            raise Http404
        return Response(CertificateVerificationSerializer({
            "serial": certificate.serial, "valid": certificate.revoked_at is None,
            "type_name": certificate.type.name, "holder": mask_name(certificate.holder_name),
            "issued_by": certificate.community.name if certificate.community_id else "",
            "issued_on": timezone.localtime(certificate.issued_at).date()}).data)


@extend_schema_view(list=extend_schema(
    summary="Certificate types of the caller's districts",
    parameters=[OpenApiParameter("active", OpenApiTypes.BOOL, description="Only the types still issued.")]))
class CertificateTypeViewSet(mixins.ListModelMixin, ScopedViewSet):
    model = CertificateType
    serializer_class = CertificateTypeSerializer
    http_method_names = ["get", "head", "options"]
    permission_map = {"list": VIEW, "default": VIEW}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return CertificateType.objects.none()
        qs = types_for(self.request.user, VIEW).select_related("district")
        if self.request.query_params.get("active") in ("1", "true", "True"):
            qs = qs.filter(is_active=True)
        return qs.order_by("district__code", "sort_order", "code", "pk")


def register(router) -> None:
    router.register("servicedesk/certificates", CertificateViewSet, basename="servicedesk-certificate")
    router.register("servicedesk/certificate-types", CertificateTypeViewSet, basename="servicedesk-certificate-type")
