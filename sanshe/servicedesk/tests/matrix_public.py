"""Permission matrix entries for the service cloud: public pages (no account)."""

from sanshe.core.matrix import PUBLIC, UrlCase

MATRIX = {
    "servicedesk:track": UrlCase(PUBLIC, data={"number": "FW2026"},
                                 note="no application has this number: the page says so (200)"),
}
