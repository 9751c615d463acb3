"""The demo help centre ``seed_demo`` loads: articles in English and German, release notes,
training, a few votes and searches that found nothing.

Every row is keyed on something stable (an article's slug, a release and language, a training's
address, a visitor key), so running the seed again updates rows instead of adding them.
"""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from entitlements.models import Product, Release
from knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleState,
    ReleaseNote,
    SearchMiss,
    Training,
    TrainingKind,
)

# The demo staff of seed_demo: the US engineer writes in English, the German lead in German and
# publishes. Without them (a bare database) the articles have no author.
AUTHORS = {"en": "engineer.us@novadesk.test", "de": "engineer.de@novadesk.test"}
PUBLISHER = "engineer.de@novadesk.test"
DOCS_URL = "https://docs.novabackup.test/{product}/{version}/"
ALL = ("professional", "server", "business-essentials", "network", "xsp", "remote-workforce")
WINDOWS = ("professional", "server", "business-essentials", "network")


def _md(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    language: str
    category: str
    products: tuple[str, ...]
    title: str
    summary: str
    body: str
    tags: str = ""
    min_version: str = ""
    max_version: str = ""
    translation_of: str = ""  # slug of the original, which comes earlier in the list
    state: str = ArticleState.PUBLISHED
    age_days: int = 30  # published this many days ago
    review_in_days: int = 180  # negative: the review date has passed


ARTICLES: list[DemoArticle] = [
    DemoArticle(
        slug="vss-writer-timeout",
        language="en",
        category="error-messages",
        products=("professional", "server", "business-essentials"),
        title="VSS writer timed out during backup",
        summary="A Volume Shadow Copy writer did not answer in time; restart it and back up again.",
        tags="VSS_E_WRITERERROR_TIMEOUT 0x800423f2 VSS shadow-copy",
        min_version="19.0",
        age_days=400,
        review_in_days=-20,
        body=_md(
            """
            The job log shows `VSS_E_WRITERERROR_TIMEOUT` (`0x800423f2`) when a VSS writer does
            not freeze its application within the time Windows allows, usually 60 seconds. The
            backup of that application is then skipped or the whole job fails.

            ## Find the writer

            1. Open a command prompt **as administrator**.
            2. List the writers and their last state:

            ```
            vssadmin list writers
            ```

            3. Note every writer whose *Last error* is not `No error`.

            ## Restart its service

            | Writer | Service to restart |
            |---|---|
            | SqlServerWriter | SQL Server VSS Writer |
            | Microsoft Exchange Writer | Microsoft Exchange Replication |
            | Microsoft Hyper-V VSS Writer | Hyper-V Virtual Machine Management |
            | Registry Writer, COM+ REGDB Writer | Volume Shadow Copy |

            Then run the job again. If the timeout comes back every night, move the job away
            from other heavy I/O (antivirus scans, defragmentation, another backup product).
            """
        ),
    ),
    DemoArticle(
        slug="vss-writer-zeitueberschreitung",
        language="de",
        translation_of="vss-writer-timeout",
        category="error-messages",
        products=("professional", "server", "business-essentials"),
        title="Zeitüberschreitung eines VSS-Writers bei der Sicherung",
        summary="Ein Schattenkopie-Writer hat nicht rechtzeitig geantwortet; starten Sie ihn neu.",
        tags="VSS_E_WRITERERROR_TIMEOUT 0x800423f2 VSS Schattenkopie",
        min_version="19.0",
        age_days=395,
        review_in_days=-20,
        body=_md(
            """
            Das Protokoll meldet `VSS_E_WRITERERROR_TIMEOUT` (`0x800423f2`), wenn ein VSS-Writer
            seine Anwendung nicht in der von Windows erlaubten Zeit (meist 60 Sekunden)
            einfriert. Die Sicherung dieser Anwendung wird übersprungen oder der Auftrag bricht ab.

            ## Writer finden

            1. Öffnen Sie eine Eingabeaufforderung **als Administrator**.
            2. Lassen Sie die Writer und ihren Zustand anzeigen:

            ```
            vssadmin list writers
            ```

            3. Notieren Sie jeden Writer, bei dem *Letzter Fehler* nicht `Kein Fehler` lautet.

            ## Dienst neu starten

            | Writer | Neu zu startender Dienst |
            |---|---|
            | SqlServerWriter | SQL Server VSS Writer |
            | Microsoft Exchange Writer | Microsoft Exchange-Replikation |
            | Microsoft Hyper-V VSS Writer | Hyper-V-Verwaltung für virtuelle Computer |

            Starten Sie den Auftrag danach erneut. Tritt die Zeitüberschreitung jede Nacht auf,
            legen Sie die Sicherung weg von Virenscans und anderen Sicherungsprogrammen.
            """
        ),
    ),
    DemoArticle(
        slug="vss-retryable-error-0x800423f3",
        language="en",
        category="error-messages",
        products=("professional", "server", "business-essentials", "network"),
        title="Error 0x800423f3: VSS writer reported a transient error",
        summary="VSS_E_WRITERERROR_RETRYABLE: the writer failed once and may work on the next try.",
        tags="0x800423f3 VSS_E_WRITERERROR_RETRYABLE VSS",
        min_version="19.0",
        age_days=210,
        body=_md(
            """
            `0x800423f3` (`VSS_E_WRITERERROR_RETRYABLE`) says a writer hit a temporary problem
            while the snapshot was prepared. Most often the disk holding the shadow copies is
            short of space, or two snapshots were requested at the same moment.

            1. Make sure no other backup or restore point is created at the same time.
            2. Check the shadow copy storage and give it room:

            ```
            vssadmin list shadowstorage
            vssadmin resize shadowstorage /for=C: /on=C: /maxsize=15%
            ```

            3. Run the job again. NovaBACKUP retries the snapshot three times before it reports
               the error; if all three fail, restart the *Volume Shadow Copy* service.
            """
        ),
    ),
    DemoArticle(
        slug="vss-voruebergehender-fehler-0x800423f3",
        language="de",
        translation_of="vss-retryable-error-0x800423f3",
        category="error-messages",
        products=("professional", "server", "business-essentials", "network"),
        title="Fehler 0x800423f3: vorübergehender Fehler eines VSS-Writers",
        summary="VSS_E_WRITERERROR_RETRYABLE: der Writer ist einmal gescheitert, ein neuer "
        "Versuch gelingt oft.",
        tags="0x800423f3 VSS_E_WRITERERROR_RETRYABLE VSS",
        min_version="19.0",
        age_days=205,
        body=_md(
            """
            `0x800423f3` (`VSS_E_WRITERERROR_RETRYABLE`) bedeutet, dass ein Writer beim
            Vorbereiten der Schattenkopie auf ein vorübergehendes Problem gestoßen ist. Meist
            fehlt Platz für Schattenkopien, oder zwei Schattenkopien wurden gleichzeitig
            angefordert.

            1. Sorgen Sie dafür, dass keine andere Sicherung gleichzeitig läuft.
            2. Prüfen und vergrößern Sie den Schattenkopiespeicher:

            ```
            vssadmin list shadowstorage
            vssadmin resize shadowstorage /for=C: /on=C: /maxsize=15%
            ```

            3. Starten Sie den Auftrag erneut. Schlagen drei Versuche fehl, starten Sie den
               Dienst *Volumeschattenkopie* neu.
            """
        ),
    ),
    DemoArticle(
        slug="access-denied-0x80070005",
        language="en",
        category="error-messages",
        products=("professional", "server", "business-essentials"),
        title="Error 0x80070005: access denied when backing up files",
        summary="The backup service account lacks rights on the source or the destination.",
        tags="0x80070005 E_ACCESSDENIED permissions",
        min_version="20.0",
        age_days=320,
        body=_md(
            """
            Error `0x80070005` means *access denied*: the account the NovaBACKUP service runs
            under may not read a source folder or may not write to the destination.

            1. Open **Settings → Service account** and note the account.
            2. Give that account *Read* on every source folder and *Modify* on the destination.
               For a network share, check the share permissions as well as NTFS.
            3. Files held open by other programs need VSS: leave **Use Volume Shadow Copy** on.
            4. Run the job again and look at the log for the first path that failed:

            ```
            findstr /C:"0x80070005" "%ProgramData%\\NovaBACKUP\\Logs\\job.log"
            ```
            """
        ),
    ),
    DemoArticle(
        slug="zugriff-verweigert-0x80070005",
        language="de",
        translation_of="access-denied-0x80070005",
        category="error-messages",
        products=("professional", "server", "business-essentials"),
        title="Fehler 0x80070005: Zugriff verweigert bei der Sicherung",
        summary="Dem Dienstkonto fehlen Rechte an der Quelle oder am Ziel der Sicherung.",
        tags="0x80070005 E_ACCESSDENIED Berechtigungen",
        min_version="20.0",
        age_days=318,
        body=_md(
            """
            Der Fehler `0x80070005` bedeutet *Zugriff verweigert*: Das Konto des
            NovaBACKUP-Dienstes darf einen Quellordner nicht lesen oder das Ziel nicht beschreiben.

            1. Öffnen Sie **Einstellungen → Dienstkonto** und notieren Sie das Konto.
            2. Geben Sie ihm *Lesen* auf allen Quellordnern und *Ändern* auf dem Ziel. Bei einer
               Netzwerkfreigabe zählen Freigabe- und NTFS-Rechte.
            3. Für geöffnete Dateien lassen Sie **Volumeschattenkopie verwenden** eingeschaltet.
            4. Starten Sie den Auftrag erneut; der erste fehlgeschlagene Pfad steht im Protokoll.
            """
        ),
    ),
    DemoArticle(
        slug="tape-drive-not-detected",
        language="en",
        category="troubleshooting",
        products=("server", "network"),
        title="Tape drive not detected",
        summary="The LTO drive is missing from the device list: check the driver and the SAS path.",
        tags="LTO tape SAS device",
        min_version="19.0",
        max_version="21.x",
        age_days=500,
        review_in_days=-45,
        body=_md(
            """
            If an LTO drive does not appear under **Devices**, NovaBACKUP cannot see it through
            Windows. Work from the hardware up:

            1. In *Device Manager*, the drive must be listed under **Tape drives**, not as an
               unknown device. Install the manufacturer's driver, not the generic Windows one.
            2. Check that the SAS cable and HBA are seated and that the HBA firmware is current.
            3. Stop other programs that claim the drive (vendor tools, another backup product).
            4. Restart the device service:

            ```
            net stop NovaBackupDeviceService
            net start NovaBackupDeviceService
            ```

            | Generation | Native capacity | Supported from |
            |---|---|---|
            | LTO-7 | 6 TB | 19.0 |
            | LTO-8 | 12 TB | 19.0 |
            | LTO-9 | 18 TB | 20.1 |
            """
        ),
    ),
    DemoArticle(
        slug="bandlaufwerk-nicht-erkannt",
        language="de",
        translation_of="tape-drive-not-detected",
        category="troubleshooting",
        products=("server", "network"),
        title="Bandlaufwerk wird nicht erkannt",
        summary="Das LTO-Laufwerk fehlt in der Geräteliste: Treiber und SAS-Verbindung prüfen.",
        tags="LTO Band SAS Gerät",
        min_version="19.0",
        max_version="21.x",
        age_days=490,
        body=_md(
            """
            Erscheint ein LTO-Laufwerk nicht unter **Geräte**, sieht NovaBACKUP es über Windows
            nicht. Prüfen Sie von der Hardware aus:

            1. Im *Geräte-Manager* muss das Laufwerk unter **Bandlaufwerke** stehen. Installieren
               Sie den Treiber des Herstellers statt des allgemeinen Windows-Treibers.
            2. Prüfen Sie SAS-Kabel und Controller sowie dessen Firmware.
            3. Beenden Sie Programme, die das Laufwerk belegen (Herstellertools, andere
               Sicherungsprogramme).
            4. Starten Sie den Gerätedienst neu:

            ```
            net stop NovaBackupDeviceService
            net start NovaBackupDeviceService
            ```
            """
        ),
    ),
    DemoArticle(
        slug="exchange-mailbox-restore",
        language="en",
        category="how-to",
        products=("server", "business-essentials"),
        title="Restore a single Exchange mailbox",
        summary="Bring back one mailbox from an Exchange database backup without a full restore.",
        tags="Exchange mailbox restore EDB",
        min_version="20.0",
        age_days=260,
        body=_md(
            """
            You do not need to restore the whole Exchange database to get one mailbox back.

            1. Open **Restore** and choose the Exchange backup set of the day you need.
            2. Select **Mailbox-level restore** and pick the mailbox (or single folders).
            3. Choose the target: the original mailbox, another mailbox, or a PST file.
            4. Start the restore. NovaBACKUP mounts the backed-up database as a recovery
               database, copies the items and removes the recovery database again.

            The account running the restore needs the *Mailbox Import Export* role:

            ```
            New-ManagementRoleAssignment -Role "Mailbox Import Export" -User backupadmin
            ```
            """
        ),
    ),
    DemoArticle(
        slug="exchange-postfach-wiederherstellen",
        language="de",
        translation_of="exchange-mailbox-restore",
        category="how-to",
        products=("server", "business-essentials"),
        title="Ein einzelnes Exchange-Postfach wiederherstellen",
        summary="Ein Postfach aus der Sicherung der Exchange-Datenbank zurückholen, ohne alles "
        "wiederherzustellen.",
        tags="Exchange Postfach Wiederherstellung EDB",
        min_version="20.0",
        age_days=255,
        body=_md(
            """
            Für ein einzelnes Postfach müssen Sie nicht die ganze Exchange-Datenbank zurückspielen.

            1. Öffnen Sie **Wiederherstellen** und wählen Sie die Exchange-Sicherung des Tages.
            2. Wählen Sie **Wiederherstellung auf Postfachebene** und das Postfach oder Ordner.
            3. Ziel: das ursprüngliche Postfach, ein anderes Postfach oder eine PST-Datei.
            4. Starten Sie die Wiederherstellung. NovaBACKUP bindet die gesicherte Datenbank als
               Wiederherstellungsdatenbank ein und entfernt sie danach wieder.

            Das Konto braucht die Rolle *Mailbox Import Export*:

            ```
            New-ManagementRoleAssignment -Role "Mailbox Import Export" -User backupadmin
            ```
            """
        ),
    ),
    DemoArticle(
        slug="sql-server-backup",
        language="en",
        category="how-to",
        products=("server", "business-essentials", "network"),
        title="Back up Microsoft SQL Server databases",
        summary="Full, differential and log backups of SQL Server instances, and what each needs.",
        tags="SQL Server MSSQL database transaction-log",
        min_version="20.0",
        age_days=180,
        body=_md(
            """
            NovaBACKUP backs up SQL Server through its own agent, not by copying the `.mdf`
            files, so the databases stay consistent while they are in use.

            1. Create a job and add **Microsoft SQL Server** as a source.
            2. Pick the instance and the databases; *All user databases* follows new ones.
            3. Choose the backup type:

            | Type | What it saves | Needs |
            |---|---|---|
            | Full | the whole database | - |
            | Differential | changes since the last full | a full backup first |
            | Transaction log | the log since the last log backup | recovery model *Full* |

            4. Check the recovery model before you schedule log backups:

            ```sql
            SELECT name, recovery_model_desc FROM sys.databases;
            ```

            The service account needs the `sysadmin` role on the instance.
            """
        ),
    ),
    DemoArticle(
        slug="sql-server-sichern",
        language="de",
        translation_of="sql-server-backup",
        category="how-to",
        products=("server", "business-essentials", "network"),
        title="Microsoft SQL Server-Datenbanken sichern",
        summary="Voll-, Differenz- und Protokollsicherungen von SQL Server und was sie brauchen.",
        tags="SQL Server MSSQL Datenbank Transaktionsprotokoll",
        min_version="20.0",
        age_days=175,
        body=_md(
            """
            NovaBACKUP sichert SQL Server über einen eigenen Agenten, nicht durch Kopieren der
            `.mdf`-Dateien. So bleiben die Datenbanken im laufenden Betrieb konsistent.

            1. Legen Sie einen Auftrag an und fügen Sie **Microsoft SQL Server** als Quelle hinzu.
            2. Wählen Sie Instanz und Datenbanken; *Alle Benutzerdatenbanken* erfasst auch neue.
            3. Wählen Sie die Art der Sicherung:

            | Art | Was gesichert wird | Voraussetzung |
            |---|---|---|
            | Vollständig | die ganze Datenbank | - |
            | Differenziell | Änderungen seit der letzten Vollsicherung | eine Vollsicherung |
            | Transaktionsprotokoll | das Protokoll seit der letzten Protokollsicherung | Wiederherstellungsmodell *Vollständig* |

            ```sql
            SELECT name, recovery_model_desc FROM sys.databases;
            ```
            """  # noqa: E501 - a Markdown table row
        ),
    ),
    DemoArticle(
        slug="hyper-v-backup",
        language="en",
        category="how-to",
        products=("server", "business-essentials"),
        title="Back up Hyper-V virtual machines",
        summary="Host-level backups of running virtual machines, with single-file restore.",
        tags="Hyper-V VM virtual-machine checkpoint",
        min_version="20.1",
        age_days=150,
        body=_md(
            """
            Install NovaBACKUP on the Hyper-V host (not inside each guest) to back up whole
            virtual machines while they run.

            1. Add **Hyper-V** as a source and tick the virtual machines.
            2. Leave **Production checkpoints** on: the guests' own VSS writers make the backup
               application-consistent. Guests without integration services fall back to a
               crash-consistent copy.
            3. Enable **Changed block tracking** so nightly backups copy only changed blocks.

            To check a guest's integration services from the host:

            ```powershell
            Get-VMIntegrationService -VMName "FS01" | Format-Table Name, Enabled, PrimaryStatusDescription
            ```

            A restore brings back the whole machine, one virtual disk, or single files from
            inside it.
            """  # noqa: E501 - a command line
        ),
    ),
    DemoArticle(
        slug="hyper-v-sichern",
        language="de",
        translation_of="hyper-v-backup",
        category="how-to",
        products=("server", "business-essentials"),
        title="Virtuelle Hyper-V-Maschinen sichern",
        summary="Sicherung laufender virtueller Maschinen auf dem Host, mit Wiederherstellung "
        "einzelner Dateien.",
        tags="Hyper-V VM virtuelle-Maschine Prüfpunkt",
        min_version="20.1",
        age_days=148,
        body=_md(
            """
            Installieren Sie NovaBACKUP auf dem Hyper-V-Host (nicht in jedem Gast), um ganze
            virtuelle Maschinen im laufenden Betrieb zu sichern.

            1. Fügen Sie **Hyper-V** als Quelle hinzu und wählen Sie die Maschinen.
            2. Lassen Sie **Produktionsprüfpunkte** eingeschaltet: Die VSS-Writer der Gäste machen
               die Sicherung anwendungskonsistent.
            3. Schalten Sie **Nachverfolgung geänderter Blöcke** ein, damit nachts nur geänderte
               Blöcke kopiert werden.

            ```powershell
            Get-VMIntegrationService -VMName "FS01"
            ```
            """
        ),
    ),
    DemoArticle(
        slug="licence-activation-failed",
        language="en",
        category="licensing",
        products=ALL,
        title="Licence activation fails",
        summary="Activation needs the licence server over HTTPS; offline activation also works.",
        tags="activation licence key offline",
        age_days=600,
        review_in_days=-90,
        body=_md(
            """
            Activation sends the licence key and a hardware fingerprint to the licence server.
            When it fails:

            1. Check that the computer reaches the licence server over HTTPS (port 443); a proxy
               must be entered under **Settings → Network**.
            2. Check the key for mix-ups: `0` and `O`, `1` and `I` are not used in keys.
            3. A key already active on as many computers as it allows answers *activation limit
               reached*: release it on the old computer first (see *Move a licence*).

            Without internet access, use **Offline activation**: save the request file, upload it
            from any other computer, and import the answer file.
            """
        ),
    ),
    DemoArticle(
        slug="lizenzaktivierung-fehlgeschlagen",
        language="de",
        translation_of="licence-activation-failed",
        category="licensing",
        products=ALL,
        title="Lizenzaktivierung schlägt fehl",
        summary="Die Aktivierung braucht den Lizenzserver über HTTPS; offline geht es auch.",
        tags="Aktivierung Lizenz Schlüssel offline",
        age_days=590,
        body=_md(
            """
            Bei der Aktivierung gehen Lizenzschlüssel und ein Hardware-Fingerabdruck an den
            Lizenzserver. Schlägt sie fehl:

            1. Prüfen Sie, ob der Rechner den Lizenzserver über HTTPS (Port 443) erreicht; einen
               Proxy tragen Sie unter **Einstellungen → Netzwerk** ein.
            2. Prüfen Sie den Schlüssel: `0` und `O`, `1` und `I` kommen darin nicht vor.
            3. Meldet der Server *Aktivierungsgrenze erreicht*, geben Sie die Lizenz zuerst auf
               dem alten Rechner frei.

            Ohne Internet nutzen Sie die **Offline-Aktivierung**: Anforderungsdatei speichern, von
            einem anderen Rechner hochladen und die Antwortdatei importieren.
            """
        ),
    ),
    DemoArticle(
        slug="move-licence-to-new-computer",
        language="en",
        category="licensing",
        products=ALL,
        title="Move a licence to a new computer",
        summary="Release the activation on the old computer, then activate the same key again.",
        tags="licence transfer deactivate new-computer",
        age_days=90,
        body=_md(
            """
            A licence belongs to you, not to the computer. To move it:

            1. On the old computer, open **Help → Licence** and choose **Release licence**. The
               activation slot is free at once.
            2. Install NovaBACKUP on the new computer and enter the same key.
            3. Copy your job definitions across with **Settings → Export settings** and import
               them on the new computer.

            If the old computer no longer starts, sign in to the portal, open **My licences**
            and release the activation there. Each key may be released this way three times a
            year; after that, open a licensing request.
            """
        ),
    ),
    DemoArticle(
        slug="lizenz-auf-neuen-rechner-uebertragen",
        language="de",
        translation_of="move-licence-to-new-computer",
        category="licensing",
        products=ALL,
        title="Lizenz auf einen neuen Rechner übertragen",
        summary="Aktivierung auf dem alten Rechner freigeben und denselben Schlüssel neu "
        "aktivieren.",
        tags="Lizenz Übertragung deaktivieren neuer-Rechner",
        age_days=88,
        body=_md(
            """
            Die Lizenz gehört Ihnen, nicht dem Rechner. So ziehen Sie um:

            1. Auf dem alten Rechner **Hilfe → Lizenz** öffnen und **Lizenz freigeben** wählen.
            2. NovaBACKUP auf dem neuen Rechner installieren und denselben Schlüssel eingeben.
            3. Aufträge mit **Einstellungen → Einstellungen exportieren** mitnehmen und auf dem
               neuen Rechner importieren.

            Startet der alte Rechner nicht mehr, geben Sie die Aktivierung im Portal unter
            **Meine Lizenzen** frei. Das geht dreimal im Jahr; danach stellen Sie eine
            Lizenzanfrage.
            """
        ),
    ),
    DemoArticle(
        slug="upgrade-from-20-to-21",
        language="en",
        category="how-to",
        products=ALL,
        title="Upgrade from version 20 to 21",
        summary="Install 21 over 20: jobs, history and settings are kept; the key must cover 21.",
        tags="upgrade update version-21 installer",
        min_version="20.0",
        max_version="21.x",
        age_days=240,
        body=_md(
            """
            Version 21 installs over version 20 and keeps your jobs, schedules, history and
            settings.

            1. Check that your key covers version 21: keys with Upgrade Protection are upgraded
               automatically; otherwise buy the upgrade first.
            2. Let running jobs finish and close the NovaBACKUP console.
            3. Export your settings as a precaution (**Settings → Export settings**).
            4. Run the version 21 installer as administrator and restart when it asks.

            | From | To | Path |
            |---|---|---|
            | 20.x | 21.x | install directly |
            | 19.x | 21.x | install 20.2 first, then 21 |

            After the upgrade, the first backup of each job is a full backup.
            """
        ),
    ),
    DemoArticle(
        slug="upgrade-von-20-auf-21",
        language="de",
        translation_of="upgrade-from-20-to-21",
        category="how-to",
        products=ALL,
        title="Upgrade von Version 20 auf 21",
        summary="Version 21 über 20 installieren: Aufträge und Einstellungen bleiben erhalten.",
        tags="Upgrade Update Version-21 Installation",
        min_version="20.0",
        max_version="21.x",
        age_days=238,
        body=_md(
            """
            Version 21 wird über Version 20 installiert; Aufträge, Zeitpläne, Verlauf und
            Einstellungen bleiben erhalten.

            1. Prüfen Sie, ob Ihr Schlüssel Version 21 abdeckt (mit Upgrade Protection
               automatisch, sonst das Upgrade zuerst kaufen).
            2. Laufende Aufträge abwarten und die Konsole schließen.
            3. Zur Sicherheit **Einstellungen → Einstellungen exportieren**.
            4. Das Installationsprogramm von Version 21 als Administrator starten.

            | Von | Nach | Weg |
            |---|---|---|
            | 20.x | 21.x | direkt installieren |
            | 19.x | 21.x | zuerst 20.2, dann 21 |
            """
        ),
    ),
    DemoArticle(
        slug="cloud-destination-credentials",
        language="en",
        category="troubleshooting",
        products=("professional", "business-essentials", "xsp", "remote-workforce"),
        title="Cloud destination rejects the credentials",
        summary="Access key, secret, region or clock: what to check when the cloud destination "
        "answers 403.",
        tags="cloud S3 Azure Wasabi 403 SignatureDoesNotMatch InvalidAccessKeyId",
        min_version="20.0",
        age_days=120,
        body=_md(
            """
            A cloud destination that worked and now answers `403 Forbidden`, or a new one that
            fails its test, nearly always has one of these causes:

            | Message | Cause |
            |---|---|
            | `InvalidAccessKeyId` | the key was deleted or rotated at the provider |
            | `SignatureDoesNotMatch` | the secret was pasted with a space, or is wrong |
            | `AuthorizationHeaderMalformed` | the region does not match the bucket's |
            | `RequestTimeTooSkewed` | the computer's clock is more than 15 minutes off |

            1. Open the destination, enter the key and secret again and press **Test**.
            2. Check the clock:

            ```
            w32tm /resync
            ```

            3. The key needs list, read, write and delete rights on the bucket; retention and
               cleanup delete old versions.
            """
        ),
    ),
    DemoArticle(
        slug="cloud-ziel-anmeldedaten",
        language="de",
        translation_of="cloud-destination-credentials",
        category="troubleshooting",
        products=("professional", "business-essentials", "xsp", "remote-workforce"),
        title="Cloud-Ziel lehnt die Anmeldedaten ab",
        summary="Schlüssel, Geheimnis, Region oder Uhrzeit: was zu prüfen ist, wenn das "
        "Cloud-Ziel 403 meldet.",
        tags="Cloud S3 Azure Wasabi 403 SignatureDoesNotMatch InvalidAccessKeyId",
        min_version="20.0",
        age_days=118,
        body=_md(
            """
            Meldet ein Cloud-Ziel `403 Forbidden` oder besteht ein neues Ziel den Test nicht,
            liegt es fast immer an einer dieser Ursachen:

            | Meldung | Ursache |
            |---|---|
            | `InvalidAccessKeyId` | der Schlüssel wurde beim Anbieter gelöscht oder erneuert |
            | `SignatureDoesNotMatch` | das Geheimnis ist falsch oder enthält ein Leerzeichen |
            | `AuthorizationHeaderMalformed` | die Region passt nicht zum Bucket |
            | `RequestTimeTooSkewed` | die Uhr des Rechners geht mehr als 15 Minuten falsch |

            Geben Sie Schlüssel und Geheimnis neu ein, drücken Sie **Testen** und gleichen Sie
            die Uhr ab:

            ```
            w32tm /resync
            ```
            """
        ),
    ),
    DemoArticle(
        slug="scheduled-backup-does-not-start",
        language="en",
        category="troubleshooting",
        products=(*WINDOWS, "remote-workforce"),
        title="Scheduled backup does not start",
        summary="The job runs by hand but not on schedule: service, account, power settings.",
        tags="schedule scheduler missed-backup service",
        min_version="19.0",
        age_days=60,
        body=_md(
            """
            When a job runs fine with **Run now** but never starts on its own:

            1. The scheduler is part of the NovaBACKUP service. Check that it runs and starts
               automatically:

            ```
            sc query NovaBackupService
            sc config NovaBackupService start= auto
            ```

            2. A job that saves to a network share needs the share's credentials stored in the
               job, because the service does not see drives mapped in your session.
            3. A laptop asleep at the scheduled time misses the run. Turn on **Run missed
               backups at start-up** or **Wake the computer to run this job**.
            4. After changing the Windows password of the service account, enter it again under
               **Settings → Service account**.
            """
        ),
    ),
    DemoArticle(
        slug="geplante-sicherung-startet-nicht",
        language="de",
        translation_of="scheduled-backup-does-not-start",
        category="troubleshooting",
        products=(*WINDOWS, "remote-workforce"),
        title="Geplante Sicherung startet nicht",
        summary="Der Auftrag läuft von Hand, aber nicht nach Zeitplan: Dienst, Konto, "
        "Energieoptionen.",
        tags="Zeitplan Planer verpasste-Sicherung Dienst",
        min_version="19.0",
        age_days=58,
        body=_md(
            """
            Läuft ein Auftrag mit **Jetzt ausführen**, startet aber nie von allein:

            1. Der Planer gehört zum NovaBACKUP-Dienst. Prüfen Sie, ob der Dienst läuft und
               automatisch startet:

            ```
            sc query NovaBackupService
            sc config NovaBackupService start= auto
            ```

            2. Für eine Netzwerkfreigabe als Ziel müssen die Anmeldedaten im Auftrag stehen: Der
               Dienst sieht keine in Ihrer Sitzung verbundenen Laufwerke.
            3. Schläft ein Notebook zur geplanten Zeit, fällt die Sicherung aus. Schalten Sie
               **Verpasste Sicherungen beim Start nachholen** oder **Rechner zum Auftrag
               aufwecken** ein.
            4. Nach einer Änderung des Windows-Kennworts des Dienstkontos geben Sie es unter
               **Einstellungen → Dienstkonto** neu ein.
            """
        ),
    ),
    DemoArticle(
        slug="schedule-backups",
        language="en",
        category="how-to",
        products=("professional", "business-essentials"),
        title="Schedule backups",
        summary="Run a backup job every day or week at a set time.",
        tags="schedule daily weekly",
        min_version="21.0",
        age_days=200,
        body=_md(
            """
            1. Open the job and choose **Schedule**.
            2. Pick *Daily*, *Weekly* or *Monthly*, the days and the start time.
            3. Choose whether a full backup runs on a fixed day (for example Sunday) and
               differential or incremental ones on the others.
            4. Save. The next run time appears in the job list.

            Every run, scheduled or not, appears in **History** with its log.
            """
        ),
    ),
    DemoArticle(
        slug="sicherungen-planen",
        language="de",
        translation_of="schedule-backups",
        category="how-to",
        products=("professional", "business-essentials"),
        title="Sicherungen planen",
        summary="Einen Sicherungsauftrag täglich oder wöchentlich zu einer festen Zeit ausführen.",
        tags="Zeitplan täglich wöchentlich",
        min_version="21.0",
        age_days=198,
        body=_md(
            """
            1. Öffnen Sie den Auftrag und wählen Sie **Zeitplan**.
            2. Wählen Sie *Täglich*, *Wöchentlich* oder *Monatlich*, die Tage und die Uhrzeit.
            3. Legen Sie fest, ob an einem festen Tag (etwa sonntags) eine Vollsicherung läuft
               und an den übrigen Tagen differenzielle oder inkrementelle Sicherungen.
            4. Speichern. Der nächste Lauf erscheint in der Auftragsliste.

            Jede Sicherung erscheint danach mit Protokoll im **Verlauf**.
            """
        ),
    ),
    DemoArticle(
        slug="email-notifications",
        language="en",
        category="how-to",
        products=ALL,
        title="Set up e-mail notifications",
        summary="Get a mail after each job, or only when one fails, through your own SMTP server.",
        tags="e-mail notification SMTP alert",
        min_version="20.0",
        age_days=140,
        body=_md(
            """
            1. Open **Settings → Notifications** and enter the SMTP server:

            | Provider | Server | Port | Security |
            |---|---|---|---|
            | Microsoft 365 | smtp.office365.com | 587 | STARTTLS |
            | Google Workspace | smtp.gmail.com | 587 | STARTTLS |
            | Own server | your host | 25 or 465 | as configured |

            2. Enter the sender, the recipients (separated by commas) and the account.
            3. Choose **On failure**, **On warning or failure** or **Always**.
            4. Press **Send test mail**.

            If the test fails with *5.7.57*, the account may not send as that sender: use the
            account's own address as the sender.
            """
        ),
    ),
    DemoArticle(
        slug="e-mail-benachrichtigungen",
        language="de",
        translation_of="email-notifications",
        category="how-to",
        products=ALL,
        title="E-Mail-Benachrichtigungen einrichten",
        summary="Nach jedem Auftrag oder nur bei Fehlern eine E-Mail über den eigenen SMTP-Server.",
        tags="E-Mail Benachrichtigung SMTP Warnung",
        min_version="20.0",
        age_days=138,
        body=_md(
            """
            1. Öffnen Sie **Einstellungen → Benachrichtigungen** und tragen Sie den SMTP-Server
               ein (Microsoft 365: `smtp.office365.com`, Port 587, STARTTLS).
            2. Absender, Empfänger (durch Kommas getrennt) und Konto eintragen.
            3. Wählen Sie **Bei Fehler**, **Bei Warnung oder Fehler** oder **Immer**.
            4. Drücken Sie **Testmail senden**.

            Schlägt der Test mit *5.7.57* fehl, darf das Konto nicht unter diesem Absender
            senden: Verwenden Sie die Adresse des Kontos als Absender.
            """
        ),
    ),
    DemoArticle(
        slug="restore-to-another-computer",
        language="en",
        category="how-to",
        products=(*WINDOWS, "remote-workforce"),
        title="Restore files to another computer",
        summary="Read a backup on a second computer: point it at the destination and rebuild "
        "the catalogue.",
        tags="restore another-computer catalogue migration",
        min_version="19.0",
        age_days=300,
        body=_md(
            """
            Backups are not tied to the computer that made them.

            1. Install NovaBACKUP on the other computer (a trial licence is enough to restore).
            2. Open **Restore → Add backup location** and choose the destination: the USB disk,
               the share or the cloud bucket.
            3. If the backup was encrypted, enter its password now. Without it the data cannot
               be read, not even by us.
            4. Choose **Rebuild catalogue**, then select what to restore and where.

            Restore to a new folder rather than over existing files, and compare before you move
            them into place.
            """
        ),
    ),
    DemoArticle(
        slug="auf-anderem-rechner-wiederherstellen",
        language="de",
        translation_of="restore-to-another-computer",
        category="how-to",
        products=(*WINDOWS, "remote-workforce"),
        title="Dateien auf einem anderen Rechner wiederherstellen",
        summary="Eine Sicherung auf einem zweiten Rechner lesen: Ziel angeben und Katalog "
        "neu aufbauen.",
        tags="Wiederherstellung anderer-Rechner Katalog Umzug",
        min_version="19.0",
        age_days=298,
        body=_md(
            """
            Sicherungen sind nicht an den Rechner gebunden, der sie erstellt hat.

            1. Installieren Sie NovaBACKUP auf dem anderen Rechner (zum Wiederherstellen genügt
               eine Testlizenz).
            2. Öffnen Sie **Wiederherstellen → Sicherungsort hinzufügen** und wählen Sie das Ziel.
            3. Bei verschlüsselten Sicherungen geben Sie jetzt das Kennwort ein. Ohne Kennwort
               kann niemand die Daten lesen, auch wir nicht.
            4. Wählen Sie **Katalog neu aufbauen**, dann Dateien und Zielordner.
            """
        ),
    ),
    DemoArticle(
        slug="whats-new-in-21-2",
        language="en",
        category="release-notes",
        products=ALL,
        title="What's new in version 21.2",
        summary="Immutable cloud copies, faster Hyper-V incrementals and a new restore wizard.",
        tags="21.2 release new-features",
        min_version="21.2",
        age_days=160,
        body=_md(
            """
            Version 21.2 is a free update for every 21 licence.

            - **Immutable cloud copies**: S3 destinations with Object Lock keep each backup
              undeletable for the retention period.
            - **Hyper-V**: incremental backups read changed blocks only; a nightly job of a
              500 GB host now takes minutes.
            - **Restore wizard**: search across every backup set by file name and date.
            - **Notifications**: one summary mail per day instead of one per job.

            21.2.1 followed with fixes for the tape device service and e-mail over port 465.
            See the release notes of each product for the full list.
            """
        ),
    ),
    DemoArticle(
        slug="neu-in-version-21-2",
        language="de",
        translation_of="whats-new-in-21-2",
        category="release-notes",
        products=ALL,
        title="Neu in Version 21.2",
        summary="Unveränderliche Cloud-Kopien, schnellere Hyper-V-Sicherungen und ein neuer "
        "Wiederherstellungsassistent.",
        tags="21.2 Version Neuerungen",
        min_version="21.2",
        age_days=158,
        body=_md(
            """
            Version 21.2 ist ein kostenloses Update für jede Lizenz der Version 21.

            - **Unveränderliche Cloud-Kopien**: S3-Ziele mit Object Lock schützen jede
              Sicherung für die Aufbewahrungsdauer vor dem Löschen.
            - **Hyper-V**: Inkrementelle Sicherungen lesen nur geänderte Blöcke.
            - **Wiederherstellungsassistent**: Suche über alle Sicherungen nach Name und Datum.
            - **Benachrichtigungen**: eine Zusammenfassung pro Tag statt einer Mail pro Auftrag.
            """
        ),
    ),
    # Only in English.
    DemoArticle(
        slug="create-boot-media-for-disk-image-restore",
        language="en",
        category="how-to",
        products=("professional", "server", "business-essentials"),
        title="Create boot media for a disk image restore",
        summary="A USB stick that starts a computer whose Windows no longer boots, to restore "
        "its image.",
        tags="boot-media disk-image bare-metal WinPE USB",
        min_version="20.0",
        age_days=110,
        body=_md(
            """
            A disk image can only be restored onto a system disk from outside Windows. Make the
            boot media now, while the computer works.

            1. Insert a USB stick of at least 8 GB (it will be erased).
            2. Open **Tools → Create boot media** and choose **USB**. NovaBACKUP downloads the
               Windows PE files if they are missing.
            3. Add drivers for storage controllers and network cards that Windows PE lacks:

            ```
            drvload X:\\drivers\\iaStorVD.inf
            ```

            4. Test it: start the computer from the stick (F12, F11 or Esc at power-on) and check
               that the backup disk and the network share are visible.

            On UEFI computers with Secure Boot the stick starts without changes.
            """
        ),
    ),
    DemoArticle(
        slug="ransomware-protection",
        language="en",
        category="how-to",
        products=ALL,
        title="Protect backups against ransomware",
        summary="Keep one copy that malware on the computer cannot reach: offline, immutable or "
        "both.",
        tags="ransomware immutable offline 3-2-1 encryption",
        min_version="21.0",
        age_days=45,
        body=_md(
            """
            Ransomware encrypts every drive and share it can write to, backups included. Keep at
            least one copy out of its reach:

            1. **Backup protection** (Settings → Security) lets only the NovaBACKUP service write
               to local backup folders. Leave it on.
            2. Back up to a share with credentials stored only in the job, never as a mapped
               drive.
            3. Add a cloud destination with **Immutable copies** (21.2 and later) or rotate USB
               disks that are unplugged after the backup.
            4. Encrypt backups (AES-256) and keep the password outside the computer.

            | Copy | Where | Reachable by malware on the PC |
            |---|---|---|
            | 1 | local disk, protected folder | only through the service |
            | 2 | NAS share, job credentials | no mapped drive |
            | 3 | immutable cloud or offline disk | no |
            """
        ),
    ),
    DemoArticle(
        slug="retention-settings",
        language="en",
        category="how-to",
        products=ALL,
        title="Choose how long backups are kept",
        summary="Retention by number of versions or by age, and why the oldest full backup stays.",
        tags="retention cleanup versions disk-space",
        min_version="20.0",
        age_days=75,
        body=_md(
            """
            Under **Job → Retention** choose how many backup versions to keep, or for how many
            days. Cleanup runs after each successful backup.

            - A full backup is deleted only together with the incrementals that depend on it, so
              the destination may hold one chain more than you asked for.
            - Immutable cloud copies are removed only after their lock has expired.
            - *Keep monthly versions for 12 months* keeps the first backup of each month longer.

            If the destination fills up, lower the number of versions or run **Clean up now**.
            """
        ),
    ),
    DemoArticle(
        slug="xsp-add-a-tenant",
        language="en",
        category="how-to",
        products=("xsp",),
        title="Add a customer tenant in the xSP console",
        summary="Create the tenant, set its storage quota and send the agent installer link.",
        tags="xSP tenant MSP quota console",
        min_version="21.0",
        age_days=35,
        body=_md(
            """
            1. In the xSP management console open **Tenants → New tenant**.
            2. Enter the customer's name and a contact address, and choose the storage pool.
            3. Set the quota; the tenant gets a warning at 90% and backups stop at 100%.
            4. Copy the installer link and send it to the customer, or deploy the agent
               silently:

            ```
            NovaBackupAgent.exe /quiet TENANT=acme-gmbh TOKEN=<enrolment token>
            ```

            New agents appear under the tenant within a minute of installation.
            """
        ),
    ),
    DemoArticle(
        slug="remote-workforce-agent-offline",
        language="en",
        category="troubleshooting",
        products=("remote-workforce",),
        title="Remote Workforce agent shows as offline",
        summary="The laptop has not reported for days: proxy, sleep, or an expired enrolment.",
        tags="agent offline Remote-Workforce proxy enrolment",
        min_version="21.0",
        age_days=25,
        body=_md(
            """
            An agent is marked offline when it has not checked in for 48 hours.

            1. Ask the user to open the tray icon: *Connected* means the console will catch up
               within minutes.
            2. A company proxy must allow `*.novabackup.test` on port 443.
            3. If the agent says *Enrolment expired*, re-enrol it from **Devices → Re-enrol**;
               its backups and history are kept.
            4. Laptops that are only briefly online benefit from **Back up when connected**.
            """
        ),
    ),
    DemoArticle(
        slug="upgrade-from-19-to-20",
        language="en",
        category="how-to",
        products=WINDOWS,
        title="Upgrade from version 19 to 20",
        summary="Install 20.2 over 19; older jobs keep working, catalogues are converted once.",
        tags="upgrade version-20 legacy",
        min_version="19.0",
        max_version="20.x",
        age_days=900,
        review_in_days=-300,
        body=_md(
            """
            Version 20 installs over 19. The first start converts the backup catalogues, which
            takes a few minutes per terabyte.

            1. Let running jobs finish.
            2. Run the 20.2 installer as administrator.
            3. Open each job once and save it, to store it in the new format.

            Version 20 is no longer supported: upgrade on to 21 afterwards.
            """
        ),
    ),
    DemoArticle(
        slug="windows-7-clients-on-version-19",
        language="en",
        category="troubleshooting",
        products=("professional", "network"),
        title="Backing up Windows 7 computers with version 19",
        summary="Version 19 was the last to run on Windows 7; what still works and what does not.",
        tags="Windows-7 legacy SHA-2 KB4474419",
        min_version="19.0",
        max_version="19.x",
        age_days=1100,
        body=_md(
            """
            Version 19 is the last one that installs on Windows 7 SP1, and it needs the SHA-2
            code signing update:

            ```
            wusa.exe windows6.1-kb4474419-x64.msi /quiet
            ```

            Cloud destinations need TLS 1.2, which Windows 7 offers only with the updates of
            2020. Plan to move these computers to a supported Windows and version.
            """
        ),
    ),
    # Only in German.
    DemoArticle(
        slug="datev-daten-sichern",
        language="de",
        category="how-to",
        products=("professional", "server"),
        title="DATEV-Daten richtig sichern",
        summary="Die DATEV-Datenbanken konsistent sichern: Dienste anhalten oder SQL-Sicherung.",
        tags="DATEV SQL Kanzlei Datenbank",
        min_version="20.0",
        age_days=220,
        body=_md(
            """
            DATEV speichert die meisten Daten in einer SQL-Server-Instanz (`DATEV_DBENGINE`).
            Ein reines Kopieren des Datenordners ergibt keine brauchbare Sicherung.

            1. Fügen Sie die Instanz `DATEV_DBENGINE` als **Microsoft SQL Server**-Quelle hinzu.
            2. Sichern Sie zusätzlich den Ordner `L:\\DATEV\\DATEN` mit Schattenkopie.
            3. Planen Sie die Sicherung außerhalb der Arbeitszeit; DATEV-Updates laufen oft abends.

            Prüfen Sie nach jedem DATEV-Update, ob neue Datenbanken hinzugekommen sind, oder
            wählen Sie *Alle Benutzerdatenbanken*.
            """
        ),
    ),
    DemoArticle(
        slug="synology-nas-als-ziel",
        language="de",
        category="how-to",
        products=("professional", "business-essentials", "network"),
        title="Synology-NAS als Sicherungsziel einrichten",
        summary="Freigabe, eigenes Sicherungskonto und SMB-Version: so wird das NAS ein "
        "verlässliches Ziel.",
        tags="NAS Synology SMB Freigabe Ziel",
        min_version="20.0",
        age_days=130,
        body=_md(
            """
            1. Legen Sie auf dem NAS einen freigegebenen Ordner `backup` und ein eigenes Konto
               `novabackup` an, das nur diesen Ordner lesen und schreiben darf.
            2. Stellen Sie unter **Dateidienste → SMB** mindestens SMB 2 ein.
            3. Tragen Sie das Ziel im Auftrag als UNC-Pfad ein, mit dem Konto des NAS:

            ```
            \\\\nas01\\backup
            ```

            4. Schalten Sie auf dem NAS *Papierkorb* für diesen Ordner aus; die Aufbewahrung
               regelt NovaBACKUP.
            """
        ),
    ),
    # Not public: drafts, one in review and one archived.
    DemoArticle(
        slug="bare-metal-restore-uefi",
        language="en",
        category="how-to",
        products=("server",),
        title="Bare-metal restore onto UEFI hardware",
        summary="Draft: restoring a BIOS-era image onto a new UEFI server.",
        tags="bare-metal UEFI GPT",
        min_version="21.0",
        state=ArticleState.DRAFT,
        body=_md(
            """
            Draft. Steps to convert the restored disk from MBR to GPT:

            ```
            mbr2gpt /convert /disk:0 /allowFullOS
            ```
            """
        ),
    ),
    DemoArticle(
        slug="unveraenderliche-sicherungen-entwurf",
        language="de",
        category="how-to",
        products=("professional", "server"),
        title="Unveränderliche Sicherungen auf dem NAS",
        summary="Entwurf: Snapshots mit Sperre auf dem NAS als zusätzlicher Schutz.",
        tags="unveränderlich NAS Snapshot",
        state=ArticleState.DRAFT,
        body="Entwurf. Noch mit dem NAS-Hersteller abzustimmen.\n",
    ),
    DemoArticle(
        slug="s3-object-lock-setup",
        language="en",
        category="how-to",
        products=("professional", "business-essentials", "xsp"),
        title="Set up an S3 bucket with Object Lock",
        summary="In review: create a bucket whose backups cannot be deleted before their time.",
        tags="S3 Object-Lock immutable",
        min_version="21.2",
        state=ArticleState.IN_REVIEW,
        body=_md(
            """
            Object Lock can only be switched on when the bucket is created.

            1. Create the bucket with **Object Lock** enabled and versioning on.
            2. Set no default retention: NovaBACKUP sets it per object.
            """
        ),
    ),
    DemoArticle(
        slug="windows-xp-clients",
        language="en",
        category="troubleshooting",
        products=("professional",),
        title="Backing up Windows XP computers",
        summary="Archived: no version of NovaBACKUP in support runs on Windows XP.",
        tags="Windows-XP legacy",
        max_version="19.x",
        state=ArticleState.ARCHIVED,
        age_days=2000,
        body="Archived. Windows XP is not supported by any current version.\n",
    ),
]

# Release notes: what each of the latest releases changed, in both languages.
_NOTES = {
    "21.2.1": (
        [
            "Fixed: the tape device service could stop after a drive was reset.",
            "Fixed: notification mails over port 465 (implicit TLS) failed to send.",
            "Fixed: the restore wizard showed sizes in bytes for files over 4 GB.",
        ],
        [
            "Behoben: Der Gerätedienst für Bänder konnte nach dem Zurücksetzen eines "
            "Laufwerks anhalten.",
            "Behoben: Benachrichtigungen über Port 465 (implizites TLS) wurden nicht versendet.",
            "Behoben: Der Wiederherstellungsassistent zeigte Größen über 4 GB in Byte an.",
        ],
    ),
    "21.2": (
        [
            "New: immutable copies on S3 destinations with Object Lock.",
            "New: restore wizard with search across every backup set.",
            "New: one daily summary mail instead of one mail per job.",
            "Improved: Hyper-V incrementals read changed blocks only.",
        ],
        [
            "Neu: unveränderliche Kopien auf S3-Zielen mit Object Lock.",
            "Neu: Wiederherstellungsassistent mit Suche über alle Sicherungen.",
            "Neu: eine tägliche Zusammenfassung statt einer Mail pro Auftrag.",
            "Verbessert: Inkrementelle Hyper-V-Sicherungen lesen nur geänderte Blöcke.",
        ],
    ),
    "21.1": (
        [
            "New: backup protection lets only the NovaBACKUP service write to backup folders.",
            "Improved: cloud uploads resume after a dropped connection.",
            "Fixed: VSS snapshots of ReFS volumes could time out.",
        ],
        [
            "Neu: Der Sicherungsschutz lässt nur den NovaBACKUP-Dienst in Sicherungsordner "
            "schreiben.",
            "Verbessert: Cloud-Uploads setzen nach einem Verbindungsabbruch fort.",
            "Behoben: Schattenkopien von ReFS-Volumes konnten in eine Zeitüberschreitung laufen.",
        ],
    ),
}
_PRODUCT_NOTE = {
    "professional": ("Windows 11 24H2 is supported.", "Windows 11 24H2 wird unterstützt."),
    "server": (
        "Windows Server 2025 is supported.",
        "Windows Server 2025 wird unterstützt.",
    ),
    "business-essentials": (
        "Exchange Server Subscription Edition is supported for mailbox restores.",
        "Exchange Server Subscription Edition wird für Postfach-Wiederherstellungen unterstützt.",
    ),
    "network": (
        "The central console shows the last backup of each agent in the overview.",
        "Die zentrale Konsole zeigt die letzte Sicherung jedes Agenten in der Übersicht.",
    ),
    "xsp": (
        "Tenant quotas can be raised from the console without restarting agents.",
        "Kontingente von Mandanten lassen sich ohne Neustart der Agenten erhöhen.",
    ),
    "remote-workforce": (
        "Agents report their status every 15 minutes while on battery.",
        "Agenten melden ihren Zustand im Akkubetrieb alle 15 Minuten.",
    ),
}
RELEASE_NOTES_PER_PRODUCT = 3

# Training: (url, kind, language, product, title, description, minutes, start in days, hour UTC)
TRAINING = [
    (
        "https://training.novabackup.test/videos/getting-started-professional",
        TrainingKind.VIDEO,
        "en",
        "professional",
        "Getting started with NovaBACKUP Professional",
        "Install, create a first file backup to a USB disk and restore a folder.",
        14,
        None,
        None,
    ),
    (
        "https://training.novabackup.test/videos/erste-schritte-server",
        TrainingKind.VIDEO,
        "de",
        "server",
        "Erste Schritte mit NovaBACKUP Server",
        "Installation, Sicherung eines Dateiservers und Einrichtung von E-Mail-Berichten.",
        18,
        None,
        None,
    ),
    (
        "https://training.novabackup.test/videos/hyper-v-restore",
        TrainingKind.VIDEO,
        "en",
        "business-essentials",
        "Restoring a Hyper-V virtual machine",
        "A whole machine, one virtual disk and single files from inside a guest.",
        11,
        None,
        None,
    ),
    (
        "https://training.novabackup.test/webinars/ransomware-ready-backups",
        TrainingKind.WEBINAR,
        "en",
        None,
        "Ransomware-ready backups: immutable and offline copies",
        "Live: backup protection, immutable cloud copies and rotating disks, with questions.",
        45,
        9,
        16,
    ),
    (
        "https://training.novabackup.test/webinare/neu-in-21-2",
        TrainingKind.WEBINAR,
        "de",
        None,
        "Live-Webinar: Neu in Version 21.2",
        "Die Neuerungen von 21.2 in der Praxis, mit Fragerunde.",
        60,
        16,
        9,
    ),
    (
        "https://training.novabackup.test/webinars/xsp-many-tenants",
        TrainingKind.WEBINAR,
        "en",
        "xsp",
        "Managing many tenants with NovaBACKUP xSP",
        "Recording: quotas, alerts and reports for service providers.",
        50,
        -20,
        15,
    ),
]

# Helpfulness votes: (article slug, helpful votes, unhelpful votes, comments of unhelpful ones)
FEEDBACK = [
    ("vss-writer-timeout", 14, 2, ["Our writer was the SharePoint one, which is not listed."]),
    ("vss-writer-zeitueberschreitung", 6, 1, []),
    ("access-denied-0x80070005", 9, 3, ["The share was on a NAS; the NTFS tip did not apply."]),
    ("zugriff-verweigert-0x80070005", 4, 0, []),
    ("tape-drive-not-detected", 3, 2, ["LTO-9 still not detected after the driver update."]),
    ("licence-activation-failed", 7, 1, []),
    ("lizenzaktivierung-fehlgeschlagen", 2, 2, ["Offline-Aktivierung: wo finde ich die Datei?"]),
    ("scheduled-backup-does-not-start", 11, 1, []),
    ("geplante-sicherung-startet-nicht", 5, 1, ["Bei uns war es die Energiesparoption."]),
    ("cloud-destination-credentials", 4, 0, []),
    ("ransomware-protection", 8, 0, []),
    ("upgrade-from-20-to-21", 3, 1, ["Says nothing about the Network console."]),
]

# Searches that found nothing: (query, language, product, days ago, count)
SEARCH_MISSES = [
    ("migrate from backup exec", "en", "server", 2, 3),
    ("Sicherung auf OneDrive", "de", "professional", 1, 2),
]


def _visitor(slug: str, number: int) -> str:
    """A fixed key per demo visitor, so seeding again finds the same votes."""
    return hashlib.sha256(f"demo-visitor:{slug}:{number}".encode()).hexdigest()[:32]


@transaction.atomic
def seed() -> int:
    """Create or update the demo help centre; return how many articles it has."""
    now = timezone.now()
    products = {p.code: p for p in Product.objects.all()}
    users = {
        u.email: u
        for u in get_user_model().objects.filter(email__in=[*AUTHORS.values(), PUBLISHER])
    }
    by_slug = _articles(now=now, products=products, users=users)
    _release_notes(products=products)
    _training(now=now, products=products)
    _feedback(now=now, by_slug=by_slug)
    _search_misses(now=now, products=products)
    return len(by_slug)


def _articles(*, now, products, users) -> dict[str, Article]:
    publisher = users.get(PUBLISHER)
    by_slug: dict[str, Article] = {}
    for demo in ARTICLES:
        published = demo.state in (ArticleState.PUBLISHED, ArticleState.ARCHIVED)
        published_at = now - timedelta(days=demo.age_days)
        fields = {
            "title": demo.title,
            "summary": demo.summary,
            "body": demo.body,
            "category": demo.category,
            "language": demo.language,
            "translation_of": by_slug.get(demo.translation_of),
            "min_version": demo.min_version,
            "max_version": demo.max_version,
            "tags": demo.tags,
            "state": demo.state,
            "author": users.get(AUTHORS[demo.language]),
            "published_by": publisher if published else None,
            "review_by": (now + timedelta(days=demo.review_in_days)).date() if published else None,
        }
        article, _created = Article.objects.update_or_create(
            slug=demo.slug,
            defaults=fields,
            # On creation only: a second run keeps the dates of the first.
            create_defaults={
                **fields,
                "created_at": published_at - timedelta(days=3),
                "published_at": published_at if published else None,
            },
        )
        if published and article.published_at is None:
            Article.objects.filter(pk=article.pk).update(published_at=published_at)
        article.products.set([products[code] for code in demo.products if code in products])
        by_slug[demo.slug] = article
    return by_slug


def _release_notes(*, products) -> None:
    for code, product in products.items():
        extra_en, extra_de = _PRODUCT_NOTE.get(code, ("", ""))
        releases = Release.objects.filter(product=product, version__in=_NOTES, is_beta=False)
        latest = sorted(releases, key=lambda r: (r.major, r.minor, r.patch), reverse=True)
        for release in latest[:RELEASE_NOTES_PER_PRODUCT]:
            english, german = _NOTES[release.version]
            url = DOCS_URL.format(product=code, version=release.version)
            for language, heading, lines, extra in (
                ("en", f"{product.name} {release.version}", english, extra_en),
                ("de", f"{product.name} {release.version}", german, extra_de),
            ):
                items = [*lines, extra] if extra and release.version == "21.2" else lines
                body = f"## {heading}\n\n" + "\n".join(f"- {line}" for line in items) + "\n"
                ReleaseNote.objects.update_or_create(
                    release=release,
                    language=language,
                    defaults={"body": body, "documentation_url": url},
                )


def _training(*, now, products) -> None:
    for url, kind, language, code, title, description, minutes, in_days, hour in TRAINING:
        starts_at = None
        if in_days is not None:
            # A fixed hour of a day relative to today: seeding twice a day changes nothing.
            day = now.astimezone(UTC).date() + timedelta(days=in_days)
            starts_at = datetime.combine(day, time(hour), tzinfo=UTC)
        Training.objects.update_or_create(
            url=url,
            defaults={
                "kind": kind,
                "language": language,
                "product": products.get(code) if code else None,
                "title": title,
                "description": description,
                "duration_minutes": minutes,
                "starts_at": starts_at,
                "is_published": True,
            },
        )


def _feedback(*, now, by_slug) -> None:
    rows = []
    for slug, helpful, unhelpful, comments in FEEDBACK:
        article = by_slug[slug]
        for number in range(helpful + unhelpful):
            is_helpful = number < helpful
            index = number - helpful
            comment = comments[index] if not is_helpful and index < len(comments) else ""
            rows.append(
                ArticleFeedback(
                    article=article,
                    visitor=_visitor(slug, number),
                    helpful=is_helpful,
                    comment=comment,
                    created_at=now - timedelta(days=number % 20, hours=number),
                )
            )
    # The unique (article, visitor) constraint skips the votes of an earlier run.
    ArticleFeedback.objects.bulk_create(rows, ignore_conflicts=True)


def _search_misses(*, now, products) -> None:
    for query, language, code, days_ago, count in SEARCH_MISSES:
        if SearchMiss.objects.filter(query=query, language=language).exists():
            continue
        SearchMiss.objects.create(
            query=query,
            language=language,
            product=products.get(code),
            day=(now - timedelta(days=days_ago)).date(),
            count=count,
        )
