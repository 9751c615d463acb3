"""What the generated population says and buys: names, texts, product mixes, local codes.

Statuses, kinds, channels, categories, teams and actions come from the apps' own choices; this
module holds only what the apps have no constant for.
"""

from __future__ import annotations

from entitlements.catalogue import ALL_PRODUCTS, OFFERINGS, RELEASES
from entitlements.models import Category, SupportKind
from portal.accounts.models import SupportTeam
from tickets.models import Status, TicketEvent

PASSWORD = "novadesk-scale"  # noqa: S105 - printed on purpose, generated accounts only
EMAIL_DOMAIN = "scale.example.com"
ENGINEER_DOMAIN = "scale.novadesk.test"
ENGINEER_GROUP = "Support engineers"

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
HISTORY_DAYS = 730

ENGLISH, GERMAN = "en", "de"
# Each team's engineers: (team, country, language), in the order they are created.
ENGINEER_TEAMS = [(SupportTeam.US, "US", ENGLISH), (SupportTeam.DE, "DE", GERMAN)]
# The offset from UTC of each team's business hours (a fixed approximation, no DST).
TEAM_UTC_OFFSET: dict[str, int] = {SupportTeam.US: -8, SupportTeam.DE: 1}
# The most recent tickets get these (status, team) pairs, so even a tiny run has them all.
GUARANTEED = [(status, team) for team in SupportTeam for status in Status]

# Every product shares one release history; the generator follows the first product's.
RELEASE_HISTORY = RELEASES[ALL_PRODUCTS[0]]


def _covered(kind: str) -> list[str]:
    """The product codes the catalogue's offering of ``kind`` is sold for."""
    return next(list(offering["products"]) for offering in OFFERINGS if offering["kind"] == kind)


def _mix(codes: list[str], weights: tuple[int, ...]) -> tuple[list[str], tuple[int, ...]]:
    """Products with the share of customers each gets; stops if the catalogue changed."""
    if len(codes) != len(weights):
        raise ValueError(f"{len(weights)} weights for the products {codes}: update the mix")
    return codes, weights


# Kinds of support a customer holds as a plan renewed every year.
PLAN_KINDS = (SupportKind.PREMIUM, SupportKind.XSP)
# A customer's profile: what they bought, with the share of customers.
PROFILES = (
    [SupportKind.PREMIUM, SupportKind.XSP, SupportKind.PER_INCIDENT, SupportKind.FREE_TRIAL],
    (40, 4, 36, 20),
)
PREMIUM_PRODUCTS = _mix(_covered(SupportKind.PREMIUM), (60, 25, 15))
(XSP_PRODUCT,) = _covered(SupportKind.XSP)
PER_INCIDENT_PRODUCTS = _mix(_covered(SupportKind.PER_INCIDENT), (50, 25, 15, 10))
# Free Trial customers evaluate any product but xSP, whose customers hold a plan.
TRIAL_PRODUCTS = _mix(
    [
        *PER_INCIDENT_PRODUCTS[0],
        *(
            code
            for code in _covered(SupportKind.FREE_TRIAL)
            if code not in PER_INCIDENT_PRODUCTS[0] and code != XSP_PRODUCT
        ),
    ],
    (45, 20, 15, 10, 10),
)
CATEGORIES = (
    [Category.TECHNICAL, Category.SETUP, Category.RESTORE, Category.LICENSING],
    (60, 15, 15, 10),
)

# Local formats: the order reference of a purchase, a licence key, a credit's source.
ORDER_REFERENCE = "CB-{seed}{pk:07d}"
LICENCE_KEY = "NB-{code}-{seed}-{pk:08d}"
REGISTRATION_SOURCE = "registration"
# A timeline entry for a closure proposal: stored as a support message that asks the customer.
PROPOSAL = "proposal"

# TicketEvent actions as the ticket services write them.
Action = TicketEvent.Action
CREATED = Action.CREATED
ASSIGNED_AUTOMATICALLY = Action.ASSIGNED_AUTOMATICALLY
CUSTOMER_WROTE = Action.CUSTOMER_WROTE
INTERNAL_NOTE = Action.INTERNAL_NOTE
REPLIED = Action.REPLIED
CALL_REACHED = Action.CALL_REACHED
CALL_NOT_REACHED = Action.CALL_NOT_REACHED
REMINDER_SENT = Action.REMINDER_SENT
# ... and the details they give.
CREATED_DETAIL = "{kind} · {via}"
REMINDER_DETAIL = "attempt {attempt}"
AUTO_CLOSED_DETAIL = "{attempts} unanswered contact attempts"
ASKS_CUSTOMER = "asks customer"
CANCEL_REASON = "Opened by mistake"

# country, weight; German-speaking countries mostly write German.
COUNTRIES = [
    ("US", 34), ("CA", 6), ("AU", 4), ("BR", 2), ("MX", 2), ("JP", 1), ("IN", 2),
    ("DE", 22), ("AT", 4), ("CH", 4), ("GB", 8), ("FR", 3), ("NL", 3), ("IT", 2),
    ("ES", 1), ("PL", 1), ("SE", 1),
]  # fmt: skip
GERMAN_SPEAKING = {"DE", "AT", "CH"}
FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Hannah", "Isaac", "Julia",
    "Karl", "Laura", "Max", "Nina", "Oliver", "Paula", "Quentin", "Rosa", "Stefan", "Tina",
    "Uwe", "Vera", "William", "Xenia", "Yusuf", "Zoe", "Jürgen", "Mia", "Noah", "Sophie",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Miller", "Brown", "Davis", "Garcia", "Wilson", "Taylor", "Clark",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
    "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Lopez", "Martin",
]  # fmt: skip
SUBJECTS: dict[str, list[str]] = {
    Category.TECHNICAL: [
        "Backup job fails with error 0x80070005",
        "Nightly image backup stops at {pct}%",
        "VSS snapshot error during image backup",
        "Backup to NAS share fails after password change",
        "Scheduled job does not start since the update to {version}",
        "Cloud upload very slow ({mbit} Mbit/s)",
        "Error 1450: insufficient system resources",
        "Exchange backup reports corrupt database",
        "SQL Server backup fails with timeout",
        "Service NovaBACKUP Agent does not start",
    ],
    Category.SETUP: [
        "Installation on Windows Server 2022 fails",
        "How do I set up a backup to a USB drive rotation?",
        "Migrating NovaBACKUP to a new server",
        "Setting up Hyper-V backups for {count} VMs",
        "Central management console: adding agents",
    ],
    Category.RESTORE: [
        "Restore of a single mailbox fails",
        "Bare-metal restore does not boot",
        "Need to restore files deleted {count} days ago",
        "Restore from cloud aborts at {pct}%",
        "Restoring a SQL database to another server",
    ],
    Category.LICENSING: [
        "Licence key not accepted",
        "Moving my licence to a new computer",
        "Licence shows expired although renewed",
        "Upgrade price for version {version}",
    ],
}
CUSTOMER_BODIES = [
    'Hello,\n\nsince {when} the job "{job}" fails every night. The log says:\n\n'
    "  {error}\n\nWe did not change anything on the server. Can you help?\n\nRegards",
    "Hi support team,\n\nafter updating to {version} the backup stops with {error}. "
    "I attached the log file. The machine runs Windows Server 2019 with {count} GB free space.",
    "Guten Tag,\n\nunsere Sicherung auf das NAS bricht seit {when} ab ({error}). Das Ziel ist "
    "erreichbar, Zugangsdaten sind korrekt. Bitte um Rückmeldung.\n\nMit freundlichen Grüßen",
    "We need to get this working before the end of the week, our auditors ask for "
    "proof of working backups. Error: {error}",
    "Thanks, I tried that but the problem is still there. New log attached.",
    "It worked once last night and failed again this morning with {error}.",
    "Here is the screenshot you asked for.",
    "Danke, das hat geholfen. Eine Frage noch: wie lange werden die alten Sicherungen aufbewahrt?",
    "Any news on this? The backups are still failing.",
]
ENGINEER_BODIES = [
    "Thank you for your request. Could you please send us the log files from "
    "C:\\ProgramData\\NovaStor\\NovaBACKUP\\Logs so we can look into it?",
    "This error means the backup user has no write permission on the target. Please add the "
    "account to the share with full control and run the job again.",
    "Vielen Dank für Ihre Anfrage. Bitte aktualisieren Sie auf Version {version} und starten "
    "Sie den Dienst neu; der Fehler ist dort behoben.",
    "We looked at the logs: the VSS writer of {job} is in a failed state. Please restart the "
    "service, then run `vssadmin list writers` and send us the output.",
    "Could you tell us when it would suit you for a remote session? We need about 30 minutes.",
    "The fix is included in {version}. After the update the job ran successfully on our test "
    "system with the same settings.",
    "Glad to hear it works now. I'll close this request; reply here if anything comes back.",
]
NOTE_BODIES = [
    "Known issue NB-{count}, fixed in {version}.",
    "Customer is an MSP, handle with care; escalated to second level.",
    "Logs show disk full on target at 02:13. Asked customer.",
    "Same problem as in an earlier ticket of this customer.",
]
CALL_REACHED_BODY = "We called you and spoke with you."
CALL_NOT_REACHED_BODY = "We tried to call you but could not reach you."
CALL_NOTES = ["Walked through the settings together.", "Customer will test tonight.", ""]
PROPOSAL_BODY = "We cannot solve this problem in the current version. May we close the request?"
PLANNED_FIX_BODY = (
    "We cannot solve this problem in the current version; a fix is planned for "
    "{version}. May we close the request?"
)
REMINDER = "Automatic reminder: we are waiting for your reply."
ERRORS = ["0x80070005 (access denied)", "0x8004230F (VSS)", "error 1450", "timeout after 600 s",
          "0x80070070 (disk full)", "network path not found"]  # fmt: skip
JOBS = ["Daily Server", "Exchange", "SQL nightly", "File share", "Image C:"]
WHEN = ("Monday", "the update", "last week", "yesterday")
FILES = [
    ("backup.log", "text/plain", 40_000),
    ("NovaBACKUP-logs.zip", "application/zip", 2_500_000),
    ("screenshot.png", "image/png", 350_000),
    ("error.jpg", "image/jpeg", 200_000),
    ("settings-export.pdf", "application/pdf", 120_000),
]
# The local hour a ticket comes in, drawn evenly from this list: the business day's curve.
LOCAL_HOURS = (7, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 12, 13, 13, 14, 14, 15, 15, 16, 16, 17, 18,
               19, 21, 23, 3)  # fmt: skip
