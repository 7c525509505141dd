"""What every admin that saves variants shares: stock refused at save time becomes a form error."""

from django.contrib import messages
from django.http import HttpResponseRedirect

from catalog import stock


class StockRefusalShownMixin:
    """For admins that save variants: stock refused at save time becomes a form error.

    A variant form checks stock on hand against the units held when it is validated, and
    catalog.stock.set_on_hand checks again when it is saved. When a shopper held units in between,
    the refusal (StockBelowReserved) rolls the admin's transaction back, so nothing of the edit is
    saved, and the request is processed again: its validation reads the units held now and shows
    the error next to the field, with every other edit still in the form.
    """

    stock_save_attempts = 3

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._with_stock_refusal_shown(
            super().changeform_view, request, object_id, form_url, extra_context
        )

    def changelist_view(self, request, extra_context=None):
        return self._with_stock_refusal_shown(super().changelist_view, request, extra_context)

    def _with_stock_refusal_shown(self, view, request, *args):
        for _ in range(self.stock_save_attempts):
            try:
                return view(request, *args)
            except stock.StockBelowReserved as refused:
                last_refusal = refused  # rolled back; validate again against the units held now
        # Shoppers kept holding units between validation and save (never seen in practice).
        self.message_user(
            request, f"Nothing was saved: {last_refusal.message} Try again.", messages.ERROR
        )
        return HttpResponseRedirect(request.get_full_path())
