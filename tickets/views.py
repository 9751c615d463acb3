"""Customer pages of the tickets app: my requests, a new request, one request and its files,
and the same request behind a private link (no sign-in, nothing but that one request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from entitlements import services as entitlement_services
from entitlements.models import SupportKind
from entitlements.services import Decision, EntitlementRefused
from knowledge import suggestions as knowledge_suggestions
from portal.core.errors import ApplicationError
from portal.core.transactions import atomic_writes
from tickets import access, display, selectors, services
from tickets.errors import FILE_ERROR_CODES, ErrorCode
from tickets.forms import CUSTOMER_CATEGORIES, CommentForm, ReopenForm, TicketForm
from tickets.models import Message, Resolution, Status, Ticket

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.core.http import AuthenticatedHttpRequest

DRAFT_SESSION_KEY = "ticket_draft"
# Which form field an ApplicationError of the services belongs to (None: the whole form).
FILE_ERRORS = frozenset(FILE_ERROR_CODES)
TICKET_ERROR_FIELDS: dict[str, str] = {
    ErrorCode.PHONE_REQUIRED: "phone",
    ErrorCode.REMOTE_ID_NOT_NEEDED: "remote_id",
    ErrorCode.INVALID_REMOTE_ID: "remote_id",
    ErrorCode.INVALID_LANGUAGE: "language",
    **dict.fromkeys(FILE_ERRORS, "attachments"),
}
PAGE_SIZE = 25


# --- Rate limits (read at call time, so a changed setting applies at once) ---------------------


def _submit_rate(group: str, request: HttpRequest) -> str | None:
    # "Check my support" only reads; sending the request is what is counted.
    if "check" in request.POST:
        return None
    return settings.TICKET_RATE_SUBMIT


def _comment_rate(group: str, request: HttpRequest) -> str:
    return settings.TICKET_RATE_COMMENT


def _link_rate(group: str, request: HttpRequest) -> str:
    return settings.TICKET_RATE_LINK


def _too_many_message() -> str:
    return _("Too many requests in a short time. Please wait a while and try again.")


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(
        request, "tickets/rate_limited.html", {"message": _too_many_message()}, status=429
    )


@dataclass(frozen=True)
class TicketAccess:
    """Who acts on a ticket page and how: the signed-in customer, or a private link."""

    ticket: Ticket
    actor: User | None
    via: str
    link_token: str = ""

    @property
    def url(self) -> str:
        if self.link_token:
            return reverse("ticket_links:detail", kwargs={"token": self.link_token})
        return reverse("tickets:detail", kwargs={"ticket_id": self.ticket.ticket_id})


# --- My requests ------------------------------------------------------------------------------


@atomic_writes
@login_required
@require_GET
def ticket_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    tickets = selectors.customer_tickets(customer=request.user, status=status)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = [("", _("All"))] + [(value, label) for value, label in Status.choices]
    return render(
        request,
        "tickets/list.html",
        {
            "page": page,
            "rows": display.ticket_rows(page.object_list, url_prefix=reverse("tickets:list")),
            "status": status,
            "filters": [
                {
                    "value": value,
                    "label": label,
                    "url": f"?{urlencode({'status': value})}" if value else "?",
                }
                for value, label in filters
            ],
            "page_query": f"status={status}&" if status else "",
        },
    )


# --- A new request ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BuyOption:
    name: str
    url: str


@dataclass(frozen=True)
class DecisionView:
    """What the new-request page shows of the entitlement decision."""

    allowed: bool
    product_name: str
    reason: str = ""
    support: str = ""
    uses_left: int | None = None
    due: datetime | None = None
    time_zone: str = ""
    buy_options: list[BuyOption] = field(default_factory=list)


def _resume_url() -> str:
    return f"{reverse('tickets:new')}?resume=1"


def _decision_view(request: AuthenticatedHttpRequest, decision: Decision) -> DecisionView:
    if decision.allowed:
        entitlement = decision.entitlement
        return DecisionView(
            allowed=True,
            product_name=decision.product.name,
            support=entitlement.offering.name,
            uses_left=entitlement.uses_left if entitlement.uses_total is not None else None,
            due=decision.first_response_due,
            time_zone=selectors.customer_team(customer=request.user).time_zone,
        )
    buy = reverse("entitlements:buy")
    options = [
        BuyOption(
            name=offering.name,
            url=f"{buy}?"
            + urlencode(
                {
                    "product": decision.product.code,
                    "category": decision.category,
                    "next": _resume_url(),
                }
            )
            + f"#offering-{offering.code}",
        )
        for offering in selectors.offerings_by_code(codes=decision.purchase_options)
    ]
    return DecisionView(
        allowed=False,
        product_name=decision.product.name,
        reason=decision.reason,
        buy_options=options,
    )


def _check(request: AuthenticatedHttpRequest, form: TicketForm) -> Decision | None:
    """The entitlement decision for the form's product and question, when those are valid."""
    form.is_valid()
    form.keep_only_check_errors()
    values = form.check_values()
    if values is None:
        return None
    try:
        return entitlement_services.check(customer=request.user, **values)
    except ApplicationError as error:
        form.add_error(None, error.message)
        return None


def _keep_draft(request: HttpRequest, form: TicketForm) -> None:
    """Remember what was entered while the customer buys support (files are not kept)."""
    request.session[DRAFT_SESSION_KEY] = form.draft()


def _draft(request: HttpRequest) -> dict[str, str] | None:
    draft = request.session.get(DRAFT_SESSION_KEY)
    if not isinstance(draft, dict):
        return None
    return {
        name: value
        for name, value in draft.items()
        if name in TicketForm.DRAFT_FIELDS and isinstance(value, str)
    }


def _initial(request: AuthenticatedHttpRequest, products: selectors.ProductChoices) -> dict:
    """A fresh form: the product asked for in the address, else the last registered one."""
    codes = {code for code, _name in products.registered + products.others}
    initial = {"language": request.user.language or settings.LANGUAGE_CODE}
    latest = products.latest_registration
    product = request.GET.get("product", "")
    if product in codes:
        initial["product"] = product
        if latest is not None and latest.product.code == product:
            initial["version"] = latest.version
    elif latest is not None:
        initial["product"] = latest.product.code
        initial["version"] = latest.version
    category = request.GET.get("category", "")
    if category in dict(CUSTOMER_CATEGORIES):
        initial["category"] = category
    return initial


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(group="tickets.submit", key="user", rate=_submit_rate, method="POST", block=False)
def ticket_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    products = selectors.product_choices(customer=request.user)
    choices = products.choices(
        registered_label=_("Your registered products"), others_label=_("Other products")
    )
    decision: Decision | None = None
    resumed = False
    status = 200
    # The key of this request draft: the articles suggested while it is written are counted on it.
    compose = request.POST.get("compose", "") if request.method == "POST" else ""
    if not knowledge_suggestions.compose_key_valid(compose):
        compose = knowledge_suggestions.compose_key_new()

    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES, product_choices=choices)
        if getattr(request, "limited", False):
            form.add_error(None, _too_many_message())
            status = 429
        elif "check" in request.POST:
            decision = _check(request, form)
            if decision is not None and not decision.allowed:
                _keep_draft(request, form)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                created = services.ticket_create(
                    customer=request.user,
                    product=data["product"],
                    version=data["version"],
                    category=data["category"],
                    channel=data["channel"],
                    subject=data["subject"],
                    description=data["description"],
                    phone=data["phone"],
                    language=data["language"],
                    remote_id=data["remote_id"],
                    files=data["attachments"],
                    via=Message.Via.WEB,
                )
            except EntitlementRefused as refused:
                decision = refused.decision
                _keep_draft(request, form)
            except ApplicationError as error:
                form.add_error(TICKET_ERROR_FIELDS.get(error.code), error.message)
            else:
                request.session.pop(DRAFT_SESSION_KEY, None)
                knowledge_suggestions.suggestions_submit(compose=compose)
                messages.success(
                    request,
                    _(
                        "Thank you! Your request has the ticket ID %(id)s. We sent you a "
                        "confirmation e-mail; please quote the ID whenever you contact us."
                    )
                    % {"id": created.ticket.ticket_id},
                )
                return redirect("tickets:detail", ticket_id=created.ticket.ticket_id)
    else:
        draft = _draft(request) if request.GET.get("resume") else None
        if draft:
            # Back from buying support: the form as it was, and the decision as it is now.
            resumed = True
            form = TicketForm(draft, product_choices=choices)
            decision = _check(request, form)
        else:
            form = TicketForm(initial=_initial(request, products), product_choices=choices)

    return render(
        request,
        "tickets/new.html",
        {
            "form": form,
            "decision": _decision_view(request, decision) if decision else None,
            "resumed": resumed,
            "has_files": bool(request.FILES),
            "compose": compose,
        },
        status=status,
    )


# --- One request ------------------------------------------------------------------------------


def _post_comment(request: HttpRequest, access: TicketAccess) -> HttpResponse | CommentForm:
    """The customer writes on the request: back to the page, or the form with its error."""
    form = CommentForm(request.POST, request.FILES)
    if not form.is_valid():
        return form
    try:
        services.ticket_customer_message(
            ticket=access.ticket,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["files"],
            via=access.via,
            actor=access.actor,
        )
    except ApplicationError as error:
        form.add_error("files" if error.code in FILE_ERRORS else None, error.message)
        return form
    messages.success(request, _("Your message was added to the request."))
    return redirect(access.url)


def _post_reopen(request: HttpRequest, access: TicketAccess) -> HttpResponse | ReopenForm:
    """The customer reopens the request with a comment, or sees the form with its error."""
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return form
    try:
        services.ticket_reopen(
            ticket=access.ticket,
            comment=form.cleaned_data["comment"],
            actor=access.actor,
            via=access.via,
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        return form
    messages.success(request, _("The request is open again."))
    return redirect(access.url)


def _post_close(request: HttpRequest, access: TicketAccess, *, agree: bool) -> HttpResponse:
    """The customer closes the request, or agrees to support's proposal to close it."""
    close = services.ticket_agree_closure if agree else services.ticket_close_by_customer
    try:
        close(ticket=access.ticket, actor=access.actor)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The request is closed. Thank you!"))
    return redirect(access.url)


def _ticket_page(request: HttpRequest, access: TicketAccess) -> HttpResponse:
    """The request page and its actions, for the signed-in customer and private links alike."""
    comment_form, reopen_form = CommentForm(), ReopenForm()
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _too_many(request)
        action = request.POST.get("action", "")
        outcome: HttpResponse | CommentForm | ReopenForm
        if action == "comment":
            outcome = _post_comment(request, access)
        elif action == "reopen":
            outcome = _post_reopen(request, access)
        elif action in ("close", "agree"):
            outcome = _post_close(request, access, agree=action == "agree")
        else:
            return HttpResponseBadRequest(_("Unknown action."))
        if isinstance(outcome, HttpResponse):
            return outcome
        if isinstance(outcome, CommentForm):
            comment_form = outcome
        else:
            reopen_form = outcome
    return _ticket_render(request, access, comment_form=comment_form, reopen_form=reopen_form)


def _ticket_render(
    request: HttpRequest,
    access: TicketAccess,
    *,
    comment_form: CommentForm,
    reopen_form: ReopenForm,
) -> HttpResponse:
    ticket = access.ticket
    is_closed = ticket.status == Status.CLOSED
    thread = selectors.ticket_thread(ticket=ticket)
    response = render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "thread": thread,
            "support": (
                _("ValueCREATE! partner help")
                if ticket.partner_organisation_id
                else SupportKind.label_of(ticket.entitlement_kind)
            ),
            "link_token": access.link_token,
            "form_action": access.url,
            "comment_form": comment_form,
            "reopen_form": reopen_form,
            # A refused comment stays on the page with its error, so nothing typed is lost.
            "can_comment": not is_closed or bool(comment_form.is_bound and comment_form.errors),
            "can_close": ticket.is_open,
            "can_agree": selectors.closure_proposal_stands(ticket=ticket, thread=thread),
            "can_reopen": ticket.may_be_reopened(),
            "cancelled": is_closed and ticket.resolution == Resolution.CANCELLED,
        },
    )
    if access.link_token:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@atomic_writes
@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(group="tickets.comment", key="user", rate=_comment_rate, method="POST", block=False)
def ticket_detail(request: AuthenticatedHttpRequest, ticket_id: str) -> HttpResponse:
    ticket = access.customer_ticket(customer=request.user, ticket_id=ticket_id)
    return _ticket_page(
        request, TicketAccess(ticket=ticket, actor=request.user, via=Message.Via.WEB)
    )


@login_required
@require_GET
def attachment_download(
    request: AuthenticatedHttpRequest, ticket_id: str, attachment_id: int
) -> FileResponse:
    ticket = access.customer_ticket(customer=request.user, ticket_id=ticket_id)
    return access.customer_attachment_response(ticket=ticket, attachment_id=attachment_id)


# --- Behind a private link --------------------------------------------------------------------


@atomic_writes
@require_http_methods(["GET", "POST"])
@ratelimit(group="tickets.link", key="ip", rate=_link_rate, block=False)
@ratelimit(group="tickets.link-comment", key="ip", rate=_comment_rate, method="POST", block=False)
def link_detail(request: HttpRequest, token: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return _too_many(request)
    ticket = access.link_ticket(token=token, record_use=request.method == "POST")
    # The link stands for the ticket's customer: nobody is signed in, and the actor is the
    # customer the service falls back to.
    return _ticket_page(
        request, TicketAccess(ticket=ticket, actor=None, via=Message.Via.LINK, link_token=token)
    )


@require_GET
@ratelimit(group="tickets.link", key="ip", rate=_link_rate, block=False)
def link_attachment(request: HttpRequest, token: str, attachment_id: int) -> HttpResponseBase:
    if getattr(request, "limited", False):
        return _too_many(request)
    ticket = access.link_ticket(token=token)
    return access.customer_attachment_response(ticket=ticket, attachment_id=attachment_id)
