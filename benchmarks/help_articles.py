"""Published help-centre articles for the benchmark, generated from a fixed vocabulary.

English and German, every product, error codes in the tags, version ranges, and most German
articles translations of English ones: what the search of a real help centre has to rank.
"""

from __future__ import annotations

import random
from datetime import timedelta

SLUG_PREFIX = "bench-"

CODES = [
    "0x80070005", "0x800423f3", "0x800423f2", "0x80070020", "0x8004230f", "0x80042306",
    "0x80070057", "0x8007045d", "0x80070079", "0x800704c7", "0x80004005", "0x80070070",
    "0x80042317", "0x8004231f", "0x80070035", "0x80070043", "0x800706ba", "0x80040154",
    "E_ACCESSDENIED", "ERROR_SHARING_VIOLATION", "VSS_E_SNAPSHOT_SET_IN_PROGRESS",
    "VSS_E_INSUFFICIENT_STORAGE", "VSS_E_WRITERERROR_TIMEOUT", "ERROR_DISK_FULL",
]  # fmt: skip
# (English, German)
THINGS = [
    ("SQL Server database", "SQL-Server-Datenbank"),
    ("Exchange mailbox", "Exchange-Postfach"),
    ("Hyper-V virtual machine", "virtuelle Hyper-V-Maschine"),
    ("system image", "Systemabbild"),
    ("network share", "Netzwerkfreigabe"),
    ("user profile", "Benutzerprofil"),
    ("Outlook PST file", "Outlook-PST-Datei"),
    ("QuickBooks company file", "QuickBooks-Firmendatei"),
    ("SharePoint site", "SharePoint-Website"),
    ("Active Directory", "Active Directory"),
    ("VMware guest", "VMware-Gast"),
    ("OneDrive folder", "OneDrive-Ordner"),
    ("file server", "Dateiserver"),
    ("laptop", "Notebook"),
]
DESTINATIONS = [
    ("Amazon S3 bucket", "Amazon-S3-Bucket"),
    ("Azure Blob container", "Azure-Blob-Container"),
    ("Wasabi bucket", "Wasabi-Bucket"),
    ("NAS share", "NAS-Freigabe"),
    ("USB disk", "USB-Festplatte"),
    ("LTO tape", "LTO-Band"),
    ("SFTP server", "SFTP-Server"),
    ("Backblaze B2 bucket", "Backblaze-B2-Bucket"),
]
EVENTS = [
    ("a Windows update", "einem Windows-Update"),
    ("a hardware change", "einem Hardwaretausch"),
    ("moving to a new server", "dem Umzug auf einen neuen Server"),
    ("the upgrade to 21.2", "dem Upgrade auf 21.2"),
    ("a password change", "einer Kennwortänderung"),
    ("a domain migration", "einer Domänenmigration"),
]
SYSTEMS = ["Windows Server 2019", "Windows Server 2022", "Windows Server 2025", "Windows 11"]
# (category, English title, German title, English summary, German summary)
SUBJECTS = [
    (
        "error-messages",
        "Backup of the {thing} fails with error {code}",
        "Sicherung der {thing_de} bricht mit Fehler {code} ab",
        "What error {code} means for a {thing} backup, and how to clear it.",
        "Was Fehler {code} bei der Sicherung bedeutet und wie Sie ihn beheben.",
    ),
    (
        "error-messages",
        "Error {code} when writing to the {dest}",
        "Fehler {code} beim Schreiben auf {dest_de}",
        "The destination refuses the data with {code}: rights, space or connection.",
        "Das Ziel lehnt die Daten mit {code} ab: Rechte, Platz oder Verbindung.",
    ),
    (
        "troubleshooting",
        "Restore of the {thing} is slow",
        "Wiederherstellung der {thing_de} ist langsam",
        "Where a slow restore from the {dest} loses its time, and what speeds it up.",
        "Wo eine langsame Wiederherstellung Zeit verliert und was sie beschleunigt.",
    ),
    (
        "troubleshooting",
        "Scheduled backup skipped after {event}",
        "Geplante Sicherung nach {event_de} ausgelassen",
        "The job did not start on time after {event}: service account and schedule.",
        "Der Auftrag startete nach {event_de} nicht: Dienstkonto und Zeitplan prüfen.",
    ),
    (
        "troubleshooting",
        "Cannot connect to the {dest} on {system}",
        "Keine Verbindung zu {dest_de} unter {system}",
        "Connection tests to the {dest} fail: firewall, proxy, credentials and clock.",
        "Der Verbindungstest schlägt fehl: Firewall, Proxy, Anmeldedaten und Uhrzeit.",
    ),
    (
        "how-to",
        "Back up a {thing} to the {dest}",
        "{thing_de} auf {dest_de} sichern",
        "A step-by-step job for the {thing}, with retention and e-mail reports.",
        "Ein Auftrag Schritt für Schritt, mit Aufbewahrung und E-Mail-Bericht.",
    ),
    (
        "how-to",
        "Restore a {thing} to another computer",
        "{thing_de} auf einem anderen Rechner wiederherstellen",
        "Read the backup on a second computer and restore the {thing} there.",
        "Die Sicherung auf einem zweiten Rechner lesen und dort wiederherstellen.",
    ),
    (
        "licensing",
        "Licence key rejected after {event}",
        "Lizenzschlüssel nach {event_de} abgelehnt",
        "Activation fails after {event}: release the old activation and activate again.",
        "Die Aktivierung schlägt fehl: alte Aktivierung freigeben und neu aktivieren.",
    ),
    (
        "release-notes",
        "Changes to {thing} backups in version {version}",
        "Änderungen an der Sicherung von {thing_de} in Version {version}",
        "What version {version} changed for {thing} backups and restores.",
        "Was Version {version} bei Sicherung und Wiederherstellung geändert hat.",
    ),
]
STEPS = [
    (
        "Open **Settings → Service account** and check that the account may read the source.",
        "Öffnen Sie **Einstellungen → Dienstkonto** und prüfen Sie die Leserechte.",
    ),
    (
        "Run `vssadmin list writers` and restart every writer that is not stable.",
        "Führen Sie `vssadmin list writers` aus und starten Sie instabile Writer neu.",
    ),
    (
        "Test the destination with **Test connection** and enter the credentials again.",
        "Testen Sie das Ziel mit **Verbindung testen** und geben Sie die Anmeldedaten neu ein.",
    ),
    (
        "Check the free space on the destination; retention needs room for one more chain.",
        "Prüfen Sie den freien Platz am Ziel; die Aufbewahrung braucht Platz für eine Kette.",
    ),
    (
        "Move the job away from antivirus scans and other heavy jobs.",
        "Legen Sie den Auftrag weg von Virenscans und anderen großen Aufträgen.",
    ),
    (
        "Turn on **Run missed backups at start-up** for computers that sleep at night.",
        "Schalten Sie **Verpasste Sicherungen beim Start nachholen** ein.",
    ),
    (
        "Export the job settings before you change them.",
        "Exportieren Sie die Auftragseinstellungen, bevor Sie sie ändern.",
    ),
    (
        "Restart the NovaBACKUP service and run the job once by hand.",
        "Starten Sie den NovaBACKUP-Dienst neu und führen Sie den Auftrag einmal von Hand aus.",
    ),
    (
        "Look in the job log for the first file that failed and check its path.",
        "Suchen Sie im Protokoll die erste fehlgeschlagene Datei und prüfen Sie ihren Pfad.",
    ),
    (
        "Encrypt the backup and keep the password outside the computer.",
        "Verschlüsseln Sie die Sicherung und bewahren Sie das Kennwort getrennt auf.",
    ),
]
INTROS = [
    (
        "This happens most often on {system} after {event}. The job log names the file or "
        "component that failed; start there.",
        "Das tritt meist unter {system} nach {event_de} auf. Das Protokoll nennt die Datei "
        "oder Komponente, die fehlschlug; beginnen Sie dort.",
    ),
    (
        "NovaBACKUP reports {code} when Windows refuses the operation. The cause is rarely the "
        "backup itself: rights, locks and snapshots come first.",
        "NovaBACKUP meldet {code}, wenn Windows den Vorgang ablehnt. Die Ursache liegt selten "
        "in der Sicherung selbst: zuerst Rechte, Sperren und Schattenkopien prüfen.",
    ),
    (
        "A {thing} changes while it is backed up, so the backup relies on a consistent "
        "snapshot. Without one, the copy may not restore.",
        "Eine {thing_de} ändert sich während der Sicherung; die Sicherung braucht daher eine "
        "konsistente Schattenkopie.",
    ),
    (
        "Backups to the {dest} go through the network stack of the service, not of your "
        "session: mapped drives and personal proxies do not apply.",
        "Sicherungen auf {dest_de} laufen über das Netzwerk des Dienstes, nicht Ihrer Sitzung: "
        "verbundene Laufwerke und eigene Proxys gelten nicht.",
    ),
]
COMMANDS = [
    "vssadmin list writers",
    "vssadmin list shadowstorage",
    "sc query NovaBackupService",
    "net stop NovaBackupService && net start NovaBackupService",
    "w32tm /resync",
    "Test-NetConnection backup.example.com -Port 443",
    'findstr /C:"{code}" "%ProgramData%\\NovaBACKUP\\Logs\\job.log"',
    "Get-VMIntegrationService -VMName FS01",
]
PRODUCTS = ["professional", "server", "business-essentials", "network", "xsp", "remote-workforce"]
VERSIONS = ["", "", "19.0", "20.0", "20.1", "21.0", "21.1", "21.2"]


def _choices(rng: random.Random) -> dict[str, str]:
    thing, thing_de = rng.choice(THINGS)
    dest, dest_de = rng.choice(DESTINATIONS)
    event, event_de = rng.choice(EVENTS)
    return {
        "thing": thing,
        "thing_de": thing_de,
        "dest": dest,
        "dest_de": dest_de,
        "event": event,
        "event_de": event_de,
        "code": rng.choice(CODES),
        "system": rng.choice(SYSTEMS),
        "version": rng.choice(["21.0", "21.1", "21.2", "21.2.1"]),
    }


def _body(rng: random.Random, values: dict[str, str], german: bool) -> str:
    side = 1 if german else 0
    parts = [rng.choice(INTROS)[side].format(**values)]
    for intro in rng.sample(INTROS, 2):
        parts.append(intro[side].format(**values))
    steps = rng.sample(STEPS, rng.randint(3, 6))
    parts.append("\n".join(f"{n}. {step[side]}" for n, step in enumerate(steps, 1)))
    parts.append("```\n" + rng.choice(COMMANDS).format(**values) + "\n```")
    if rng.random() < 0.3:
        header = "| Version | Status |" if not german else "| Version | Zustand |"
        parts.append(header + "\n|---|---|\n| 20.x | - |\n| 21.x | ok |")
    return "\n\n".join(parts) + "\n"


def _article(rng: random.Random, number: int, originals: list[tuple], now):
    """One article and its product codes; a German one is most often a translation."""
    from django.utils.text import slugify

    from knowledge.models import Article, ArticleState

    german = rng.random() < 0.4
    original = rng.choice(originals) if german and originals else None
    if original is not None and rng.random() < 0.75:
        # A translation: the same subject, values and products as its original.
        source, values, subject, codes = original
    else:
        source, values = None, _choices(rng)
        subject = rng.choice(SUBJECTS)
        codes = rng.sample(PRODUCTS, rng.randint(1, 3))
    category, title, title_de, summary, summary_de = subject
    low = source.min_version if source else rng.choice(VERSIONS)
    high = source.max_version if source else ""
    if source is None and low < "21":
        high = rng.choice(["", "", "", "20.x", "21.x"])
    text = (title_de if german else title).format(**values)
    article = Article(
        slug=f"{SLUG_PREFIX}{number:05d}-{slugify(text)[:80]}",
        title=text[:200],
        summary=(summary_de if german else summary).format(**values)[:300],
        body=_body(rng, values, german),
        category=category,
        language="de" if german else "en",
        translation_of=source,
        min_version=low,
        max_version=high,
        tags=" ".join(sorted({values["code"], *rng.sample(CODES, rng.randint(0, 2))})),
        state=ArticleState.PUBLISHED,
        published_at=now,
        review_by=now.date() + timedelta(days=365),
        views=rng.randint(0, 5000),
    )
    if not german:
        originals.append((article, values, subject, codes))
    return article, codes


def _save(rows: list, product_codes: list[list[str]], products: dict[str, int]) -> None:
    """Write one batch: originals first, so the translations can point at their ids."""
    from knowledge.models import Article

    Through = Article.products.through
    english = [a for a in rows if a.language == "en"]
    german_rows = [a for a in rows if a.language == "de"]
    Article.objects.bulk_create(english, batch_size=500)
    for article in german_rows:
        if article.translation_of is not None:
            article.translation_of_id = article.translation_of.pk
    Article.objects.bulk_create(german_rows, batch_size=500)
    Through.objects.bulk_create(
        [
            Through(article_id=a.pk, product_id=products[code])
            for a, codes in zip(rows, product_codes, strict=True)
            for code in codes
            if code in products
        ],
        batch_size=2000,
    )


def articles_generate(count: int, seed: int) -> int:
    """Add ``count`` published articles (about 60% English, 40% German, most German ones
    translations), in batches; return how many were written."""
    from django.db import connection, transaction
    from django.utils import timezone

    from entitlements.models import Product

    rng = random.Random(seed)  # noqa: S311 - text, not secrets
    now = timezone.now()
    products = {p.code: p.pk for p in Product.objects.filter(code__in=PRODUCTS)}
    written = 0
    batch = 1000
    originals: list[tuple] = []  # (article, values, subject, products) of English ones
    with transaction.atomic():
        while written < count:
            rows = []
            product_codes: list[list[str]] = []  # per row
            for _n in range(min(batch, count - written)):
                article, codes = _article(rng, written + len(rows), originals, now)
                rows.append(article)
                product_codes.append(codes)
            _save(rows, product_codes, products)
            written += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_article")
        cursor.execute("ANALYZE knowledge_article_products")
    return written
