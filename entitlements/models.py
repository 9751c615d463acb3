from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

version_validator = RegexValidator(
    r"^\d+\.\d+(\.\d+)?$", _("Enter a version as major.minor or major.minor.patch, e.g. 21.1.0.")
)


class Product(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("sold"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Release(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="releases", verbose_name=_("product")
    )
    version = models.CharField(_("version"), max_length=20, validators=[version_validator])
    major = models.PositiveSmallIntegerField(_("major"), editable=False)
    minor = models.PositiveSmallIntegerField(_("minor"), editable=False)
    patch = models.PositiveSmallIntegerField(_("patch"), editable=False, default=0)
    released_on = models.DateField(_("released on"))
    notes = models.TextField(_("release notes"), blank=True)
    is_beta = models.BooleanField(
        _("beta"),
        default=False,
        help_text=_("Beta builds run only for NCEP participants and are shown to the beta group."),
    )

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["product", "-major", "-minor", "-patch"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="release_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"

    def save(self, *args, **kwargs) -> None:
        # The numeric parts are derived from the version text so versions sort numerically.
        parts = [int(part) for part in self.version.split(".")]
        self.major, self.minor = parts[0], parts[1]
        self.patch = parts[2] if len(parts) > 2 else 0
        super().save(*args, **kwargs)


class SupportKind(models.TextChoices):
    FREE_TRIAL = "free-trial", _("Free Trial Support")
    PREMIUM = "premium", _("Premium Support")
    PER_INCIDENT = "per-incident", _("Per Incident Support")
    XSP = "xsp", _("xSP Support Plan")
    SETUP = "setup", _("Setup Support")
    RESTORE = "restore", _("Restore Support")
    UPGRADE_PROTECTION = "upgrade-protection", _("Upgrade Protection")


class Category(models.TextChoices):
    TECHNICAL = "technical", _("Technical problem")
    SETUP = "setup", _("Setup and installation")
    RESTORE = "restore", _("Restoring data")
    LICENSING = "licensing", _("Licensing")
    PRE_SALES = "pre-sales", _("Pre-sales (partners)")
    POST_SALES = "post-sales", _("Post-sales (partners)")


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    PHONE = "phone", _("call-back by phone")


class Offering(models.Model):
    """A kind of support as it is sold (or granted): what it covers, for how long, how fast."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=SupportKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    products = models.ManyToManyField(Product, related_name="offerings", verbose_name=_("products"))
    categories = models.JSONField(
        _("request categories covered"),
        default=list,
        blank=True,
        help_text=_("Codes such as technical, setup, restore, licensing."),
    )
    term_days = models.PositiveIntegerField(
        _("term in days"), null=True, blank=True, help_text=_("Empty: valid until used.")
    )
    uses = models.PositiveIntegerField(
        _("requests per purchase"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )
    online_response_hours = models.PositiveSmallIntegerField(
        _("online first response (business hours)"), null=True, blank=True
    )
    online_response_days = models.PositiveSmallIntegerField(
        _("online first response (business days)"), null=True, blank=True
    )
    phone_response_hours = models.PositiveSmallIntegerField(
        _("call-back (business hours)"), null=True, blank=True
    )
    phone_response_days = models.PositiveSmallIntegerField(
        _("call arranged (business days)"), null=True, blank=True
    )
    price_eur = models.DecimalField(_("price EUR"), max_digits=8, decimal_places=2, null=True)
    price_usd = models.DecimalField(_("price USD"), max_digits=8, decimal_places=2, null=True)
    is_sold = models.BooleanField(
        _("sold"), default=True, help_text=_("Free Trial support is granted, never sold.")
    )
    sort_order = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("support offering")
        verbose_name_plural = _("support offerings")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_one_incident(self) -> bool:
        return self.uses is not None

    def serves(self, channel: str) -> bool:
        if channel == Channel.PHONE:
            return self.phone_response_hours is not None or self.phone_response_days is not None
        return self.online_response_hours is not None or self.online_response_days is not None

    def covers(self, category: str) -> bool:
        return category in self.categories

    def price(self, currency: str):
        return self.price_eur if currency == "EUR" else self.price_usd


class Registration(models.Model):
    """A licence or an evaluation a customer registered; each starts one Free Trial window."""

    class Kind(models.TextChoices):
        LICENCE = "licence", _("licence key")
        EVALUATION = "evaluation", _("evaluation ID")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("product")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    key = models.CharField(_("licence key or evaluation ID"), max_length=64)
    version = models.CharField(_("version"), max_length=20, validators=[version_validator])
    purchased_on = models.DateField(
        _("purchased on"), null=True, blank=True, help_text=_("For licences: the purchase date.")
    )
    licence = models.OneToOneField(
        "Licence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registration",
        verbose_name=_("licence"),
        help_text=_("The licence an order issued; empty for evaluations."),
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-registered_at"]
        constraints = [
            models.UniqueConstraint(fields=["product", "key"], name="registration_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version} ({self.key})"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


class Order(models.Model):
    """An order as the online shop notified it; it grants entitlements once linked to a customer."""

    class Currency(models.TextChoices):
        EUR = "EUR", "EUR"
        USD = "USD", "USD"

    reference = models.CharField(_("order reference"), max_length=40, unique=True)
    email = models.EmailField(_("purchase e-mail"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    purchased_at = models.DateTimeField(_("purchased"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    payload = models.JSONField(_("notification"), default=dict)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("customer"),
    )
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)
    linked_by = models.CharField(
        _("linked by"),
        max_length=12,
        blank=True,
        choices=[("email", _("verified e-mail")), ("claim", _("claimed")), ("staff", _("staff"))],
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-purchased_at"]
        indexes = [models.Index(fields=["email"], name="order_email_idx")]

    def __str__(self) -> str:
        return self.reference


class OrderItem(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order")
    )
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, verbose_name=_("offering"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    granted_at = models.DateTimeField(_("granted"), null=True, blank=True)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.offering} · {self.product}"


def licence_key_normalise(key: str) -> str:
    """A licence key or evaluation ID as it is stored: single spaces, upper case."""
    return " ".join(key.split()).upper()


class Licence(models.Model):
    """A licence key the shop issued with an order; registering it takes the order's purchase."""

    key = models.CharField(_("licence key"), max_length=64, unique=True)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="licences", verbose_name=_("product")
    )
    version = models.CharField(
        _("version sold"), max_length=20, blank=True, validators=[version_validator]
    )
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="licences", verbose_name=_("order")
    )
    purchased_at = models.DateTimeField(_("purchased"))

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-purchased_at"]

    def __str__(self) -> str:
        return f"{self.product} ({self.key})"


class EntitlementQuerySet(models.QuerySet["Entitlement"]):
    def active(self, at=None) -> EntitlementQuerySet:
        """Entitlements in their term, not revoked, with a use left where uses are counted."""
        at = at or timezone.now()
        return self.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at),
            starts_at__lte=at,
            revoked_at__isnull=True,
        ).filter(Q(uses_left__isnull=True) | Q(uses_left__gt=0))


class Entitlement(models.Model):
    """A customer's right to a kind of support for one product, for a term or a number of uses."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="entitlements",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="entitlements", verbose_name=_("product")
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="entitlements", verbose_name=_("offering")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=SupportKind.choices)
    starts_at = models.DateTimeField(_("valid from"))
    ends_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    uses_total = models.PositiveIntegerField(
        _("uses"), null=True, blank=True, help_text=_("Empty for unlimited use in the term.")
    )
    uses_left = models.PositiveIntegerField(_("uses left"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=80, blank=True, help_text=_("Order reference or who granted it.")
    )
    order_item = models.ForeignKey(
        OrderItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entitlements",
        verbose_name=_("order item"),
    )
    registration = models.OneToOneField(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="free_trial",
        verbose_name=_("registration"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = EntitlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["customer", "product", "kind"], name="entitlement_lookup_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(uses_left__isnull=True)
                | Q(uses_total__isnull=False, uses_left__lte=F("uses_total")),
                name="entitlement_uses_left_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.product} · {self.customer}"

    @property
    def is_one_incident(self) -> bool:
        return self.uses_total is not None


class EntitlementEvent(models.Model):
    """The history of an entitlement: granted, used, given back, extended, revoked."""

    class Action(models.TextChoices):
        GRANTED = "granted", _("granted")
        CONSUMED = "consumed", _("used")
        GIVEN_BACK = "given-back", _("given back")
        EXTENDED = "extended", _("extended")
        REVOKED = "revoked", _("revoked")

    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.CASCADE, related_name="events", verbose_name=_("entitlement")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    reference = models.CharField(
        _("reference"), max_length=80, blank=True, help_text=_("Ticket ID or order reference.")
    )
    reason = models.CharField(_("reason"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("entitlement event")
        verbose_name_plural = _("entitlement events")
        ordering = ["at"]
        constraints = [
            # A use is given back at most once per ticket: no doubled credit.
            models.UniqueConstraint(
                fields=["entitlement", "reference"],
                condition=Q(action="given-back"),
                name="entitlement_give_back_once",
            ),
            models.UniqueConstraint(
                fields=["entitlement", "reference"],
                condition=Q(action="consumed"),
                name="entitlement_consume_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.reference}".strip()


class ArrangementCallQuerySet(models.QuerySet["ArrangementCall"]):
    def due(self) -> ArrangementCallQuerySet:
        """Calls still to make, the earliest due first; a revoked purchase needs none."""
        return self.filter(done_at__isnull=True, entitlement__revoked_at__isnull=True).order_by(
            "due_at", "pk"
        )


class ArrangementCall(models.Model):
    """The call that arranges a Setup or Restore session, owed from the purchase on.

    Booked with the entitlement, in the customer's team; done when an engineer reaches the
    customer, or when a request under the entitlement takes it over with its own call-back.
    """

    class Outcome(models.TextChoices):
        REACHED = "reached", _("customer reached")
        REQUEST = "request", _("taken over by a request")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="arrangement_calls",
        verbose_name=_("customer"),
    )
    entitlement = models.OneToOneField(
        Entitlement,
        on_delete=models.CASCADE,
        related_name="arrangement_call",
        verbose_name=_("entitlement"),
    )
    team = models.ForeignKey(
        "teams.Team",
        on_delete=models.PROTECT,
        related_name="arrangement_calls",
        verbose_name=_("team"),
    )
    created_at = models.DateTimeField(_("booked"), default=timezone.now)
    due_at = models.DateTimeField(_("call due"))
    attempts = models.PositiveSmallIntegerField(_("unanswered calls"), default=0)
    last_attempt_at = models.DateTimeField(_("last unanswered call"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("engineer"),
    )
    reference = models.CharField(
        _("reference"), max_length=40, blank=True, help_text=_("The request that took it over.")
    )

    objects = ArrangementCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call to arrange a session")
        verbose_name_plural = _("calls to arrange a session")
        ordering = ["due_at", "pk"]
        indexes = [
            # The desk's queue: the open calls of one team by due time.
            models.Index(
                fields=["team", "due_at"],
                name="arrangement_call_due_idx",
                condition=Q(done_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.entitlement} · {self.due_at:%Y-%m-%d %H:%M}"


class ArrangementCallEvent(models.Model):
    """The history of an arrangement call: booked, each call made, taken over."""

    call = models.ForeignKey(
        ArrangementCall, on_delete=models.CASCADE, related_name="events", verbose_name=_("call")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("arrangement call event")
        verbose_name_plural = _("arrangement call events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.action


class ReleaseNotice(models.Model):
    """The announcement of a release to one customer: at most one per customer and release.

    Written in the transaction that puts the e-mail in the outbox, so a batch that fails leaves
    neither, and announcing the release again skips everyone who has one.
    """

    release = models.ForeignKey(
        Release, on_delete=models.CASCADE, related_name="notices", verbose_name=_("release")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="release_notices",
        verbose_name=_("customer"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    price = models.CharField(_("upgrade price"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("release announcement")
        verbose_name_plural = _("release announcements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "customer"], name="release_notice_once_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release} → {self.customer}"
