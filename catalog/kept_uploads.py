"""Kept uploads: a photo chosen in a Shopping Manager form survives an error elsewhere in the form.

Once checked (catalog/images.image_prepare), a re-encoded copy waits in storage under
`kept-uploads/` with a random name, and the form carries a token signed for the person's session
in a hidden field (`KeptImageInput`), shows the photo beside the file input, and takes it back when
the form is sent again (`KeptImageField`), so the person need not choose it again. The copy is
removed once the photo is stored for good (`photo_store`), or after KEPT_MAX_AGE. A token from
another session, forged or older than that is refused with "choose it again".
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from catalog import images
from catalog.images import PreparedImage
from catalog.models import Product, ProductImage

log = logging.getLogger(__name__)

KEPT_PREFIX = "kept-uploads/"
KEPT_MAX_AGE = 24 * 60 * 60
_KEPT_SALT = "catalog.images.kept"


@dataclass(frozen=True)
class KeptImage:
    """A validated upload kept in storage for a form shown again with an error elsewhere."""

    prepared: PreparedImage
    name: str  # where it waits in storage
    token: str  # signed; the form carries it in a hidden field
    filename: str  # as the person chose it
    url: str


class KeptToken(str):
    """The signed token of a photo kept from an earlier submission (image_keep)."""


# --- The form's side -----------------------------------------------------------------------------


class KeptImageInput(forms.FileInput):
    """A file input that, once its photo was checked, carries it through a form shown again with
    an error elsewhere: a hidden field holds the kept photo's token, and a note shows the photo."""

    kept: KeptImage | None = None

    def _kept_name(self, name: str) -> str:
        return f"{name}_kept"

    def value_from_datadict(self, data, files, name):
        upload = super().value_from_datadict(data, files, name)
        if upload:
            return upload  # a newly chosen file replaces the kept one
        token = data.get(self._kept_name(name))
        return KeptToken(token) if token else None

    def value_omitted_from_data(self, data, files, name):
        omitted = super().value_omitted_from_data(data, files, name)
        return omitted and self._kept_name(name) not in data

    def use_required_attribute(self, initial):
        return super().use_required_attribute(initial) and self.kept is None

    def render(self, name, value, attrs=None, renderer=None):
        file_input = super().render(name, value, attrs, renderer)
        if self.kept is None:
            return file_input
        return format_html(
            '{}<input type="hidden" name="{}" value="{}">'
            '<p class="kept-upload" role="status"><img src="{}" alt="" width="64"> '
            "<span><strong>{}</strong> is kept and will be saved with the product. "
            "Choose another file only to replace it.</span></p>",
            file_input,
            self._kept_name(name),
            self.kept.token,
            self.kept.url,
            self.kept.filename,
        )


class KeptImageField(forms.FileField):
    widget = KeptImageInput

    def to_python(self, data):
        return data if isinstance(data, KeptToken) else super().to_python(data)


def keeping_photos(form_class: type[forms.Form], request: HttpRequest) -> type[forms.Form]:
    """`form_class` keeping a checked photo for this request's session while its page comes back
    with an error elsewhere (the form's `upload_owner`)."""
    session = request.session.session_key
    owner = f"{request.user.pk}:{session}" if session else None
    return type(form_class.__name__, (form_class,), {"upload_owner": owner})


def photo_checked(
    upload: UploadedFile | KeptToken, *, owner: str | None
) -> tuple[PreparedImage, KeptImage | None]:
    """A photo chosen in a form (a file, or the token of one kept before), checked, and kept for
    `owner` (None: not kept). Raises ValidationError with a message for a person."""
    if isinstance(upload, KeptToken):
        if owner is None:
            raise ValidationError("Choose the photo again.", code="kept_gone")
        kept = image_kept(upload, owner=owner)
    else:
        prepared = images.image_prepare(upload)
        if owner is None:
            return prepared, None
        kept = image_keep(prepared, owner=owner, filename=upload.name)
    return kept.prepared, kept


# --- Storage -------------------------------------------------------------------------------------


def _storage():
    return ProductImage._meta.get_field("image").storage


def image_keep(prepared: PreparedImage, *, owner: str, filename: str) -> KeptImage:
    """Keep a validated upload for `owner` (a session) while its form is shown again."""
    storage = _storage()
    _kept_purge_old(storage)
    prepared.content.seek(0)
    name = storage.save(f"{KEPT_PREFIX}{prepared.content.name}", prepared.content)
    prepared.content.seek(0)
    filename = filename.rsplit("/", 1)[-1][-100:]
    payload = {
        "n": name,
        "f": filename,
        "w": prepared.width,
        "h": prepared.height,
        "fmt": prepared.format,
    }
    token = signing.dumps(payload, salt=f"{_KEPT_SALT}:{owner}", compress=True)
    return KeptImage(
        prepared=prepared, name=name, token=token, filename=filename, url=storage.url(name)
    )


def image_kept(token: str, *, owner: str) -> KeptImage:
    """The upload kept under `token` for `owner`. Raises ValidationError when the token is forged,
    belongs to another session, or the copy is gone or too old."""
    gone = ValidationError(
        "The photo chosen before could not be kept; choose it again.", code="kept_gone"
    )
    try:
        payload = signing.loads(token, salt=f"{_KEPT_SALT}:{owner}", max_age=KEPT_MAX_AGE)
        name = payload["n"]
    except (signing.BadSignature, KeyError, TypeError):
        raise gone from None
    if not isinstance(name, str) or not name.startswith(KEPT_PREFIX) or ".." in name:
        raise gone
    storage = _storage()
    try:
        with storage.open(name) as kept:
            data = kept.read()
    except OSError:
        raise gone from None
    prepared = PreparedImage(
        content=ContentFile(data, name=name.removeprefix(KEPT_PREFIX)),
        width=payload["w"],
        height=payload["h"],
        format=payload["fmt"],
    )
    return KeptImage(
        prepared=prepared, name=name, token=token, filename=payload["f"], url=storage.url(name)
    )


def photo_store(
    *,
    product: Product,
    prepared: PreparedImage,
    kept: KeptImage | None,
    alt_text: str = "",
    position: int = 0,
) -> ProductImage:
    """Store a photo checked in a Shopping Manager form (images.image_store, its thumbnails made
    after the admin's transaction commits); its kept copy, if any, is removed after the commit."""
    stored = images.image_store(
        product=product,
        upload=prepared,
        alt_text=alt_text,
        position=position,
        defer_thumbnails=True,
    )
    if kept is not None:
        transaction.on_commit(lambda: _kept_delete(kept.name))
    return stored


def _kept_delete(name: str) -> None:
    try:
        _storage().delete(name)
    except Exception:
        log.exception("Could not delete the kept upload %s", name)


def _kept_purge_old(storage) -> None:
    """Remove kept uploads older than KEPT_MAX_AGE (forms that were never sent again)."""
    try:
        _, names = storage.listdir(KEPT_PREFIX.rstrip("/"))
        cutoff = timezone.now() - timedelta(seconds=KEPT_MAX_AGE)
        for name in names:
            path = f"{KEPT_PREFIX}{name}"
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
    except (FileNotFoundError, NotImplementedError):
        return
    except Exception:
        log.exception("Could not purge old kept uploads")
