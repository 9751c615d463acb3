"""Realistic generated usage reports: for the demo data, the tests and the ingestion benchmark."""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass
from datetime import datetime

from telemetry.features import FEATURES

SOFTWARE = [
    ("Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.36.32532", "14.36.32532.0"),
    ("Microsoft Visual C++ 2013 Redistributable (x86) - 12.0.40664", "12.0.40664.0"),
    ("Microsoft Office Professional Plus 2019 - de-de", "16.0.10827.20181"),
    ("Microsoft 365 Apps for business - en-us", "16.0.17029.20108"),
    ("Microsoft Edge", "119.0.2151.72"),
    ("Microsoft Edge WebView2 Runtime", "119.0.2151.72"),
    ("Microsoft .NET Framework 4.8", "4.8.09037"),
    ("Microsoft Teams", "1.6.00.29964"),
    ("Microsoft OneDrive", "23.226.1031.0003"),
    ("Microsoft SQL Server 2019 LocalDB", "15.0.4153.1"),
    ("Google Chrome", "119.0.6045.160"),
    ("Mozilla Firefox (x64 de)", "120.0.1"),
    ("Mozilla Thunderbird (x64 en-US)", "115.5.1"),
    ("Adobe Acrobat Reader DC", "23.006.20380"),
    ("7-Zip 23.01 (x64)", "23.01"),
    ("Notepad++ (64-bit x64)", "8.5.8"),
    ("VLC media player", "3.0.20"),
    ("TeamViewer", "15.48.4"),
    ("AnyDesk", "8.0.6"),
    ("Zoom", "5.16.10"),
    ("Realtek High Definition Audio Driver", "6.0.9239.1"),
    ("Intel(R) Management Engine Components", "2236.5.1.0"),
    ("Intel(R) Rapid Storage Technology", "17.11.0.1000"),
    ("NVIDIA Graphics Driver 537.58", "537.58"),
    ("AMD Software", "23.11.1"),
    ("Dell SupportAssist", "3.14.2.45"),
    ("HP Smart", "151.2.1"),
    ("Lenovo Vantage Service", "3.13.43.0"),
    ("Java 8 Update 381 (64-bit)", "8.0.3810.9"),
    ("Python 3.11.7 (64-bit)", "3.11.7150.0"),
    ("Git", "2.43.0"),
    ("Visual Studio Code", "1.84.2"),
    ("WinRAR 6.24 (64-bit)", "6.24.0"),
    ("KeePass Password Safe 2.55", "2.55"),
    ("Veeam Agent for Microsoft Windows", "6.0.2.1090"),
    ("Microsoft Update Health Tools", "5.72.0.0"),
    ("Windows PC Health Check", "3.6.2204.08001"),
    ("Cisco AnyConnect Secure Mobility Client", "4.10.07073"),
    ("FortiClient VPN", "7.2.2.0864"),
    ("Sophos Endpoint Agent", "2023.2.1.8"),
    ("ESET Endpoint Security", "10.1.2046.0"),
    ("Bitdefender Endpoint Security Tools", "7.9.9.381"),
    ("LibreOffice 7.6.3.2", "7.6.3.2"),
    ("PDF24 Creator 11.15.1", "11.15.1"),
    ("GIMP 2.10.36", "2.10.36"),
    ("Paint.NET", "5.0.11"),
    ("Skype version 8.108", "8.108"),
    ("Slack (Machine - MSI)", "4.35.126"),
    ("PuTTY release 0.79 (64-bit)", "0.79.0.0"),
    ("WinSCP 6.1.2", "6.1.2"),
    ("FileZilla 3.66.1", "3.66.1"),
    ("Greenshot 1.2.10.6", "1.2.10.6"),
    ("Microsoft Power BI Desktop (x64)", "2.123.742.0"),
    ("SAP GUI for Windows 7.70", "7.70"),
    ("DATEV Arbeitsplatz", "13.1"),
    ("Lexware Warenwirtschaft pro 2024", "28.00"),
]

SYSTEMS = [
    (("Windows", "10.0.19045", "Pro"), 30),
    (("Windows", "10.0.22631", "Pro"), 25),
    (("Windows", "10.0.22631", "Home"), 10),
    (("Windows Server", "10.0.20348", "Standard"), 15),
    (("Windows Server", "10.0.17763", "Standard"), 10),
    (("Windows Server", "10.0.20348", "Datacenter"), 5),
    (("Windows", "6.1.7601", "Professional"), 5),
]

CPUS = [
    ("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", 12),
    ("Intel(R) Core(TM) i5-10400 CPU @ 2.90GHz", 12),
    ("Intel(R) Core(TM) i7-1165G7 @ 2.80GHz", 8),
    ("Intel(R) Xeon(R) Silver 4210R CPU @ 2.40GHz", 20),
    ("Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz", 12),
    ("AMD Ryzen 7 5800X 8-Core Processor", 16),
    ("AMD Ryzen 5 5600G with Radeon Graphics", 12),
    ("AMD EPYC 7302P 16-Core Processor", 32),
]
MEMORY_MB = [4096, 8192, 16384, 16384, 32768, 32768, 65536, 131072]
VERSIONS = ["21.2.1", "21.2.1", "21.2.1", "21.2", "21.1", "21.0", "20.2"]
VIRTUALIZATION = ["none"] * 7 + ["hyper-v", "vmware", "kvm"]


@dataclass(frozen=True)
class SampleInstallation:
    installation_id: uuid.UUID
    secret: str
    product: str
    version: str


def installation(rng: random.Random, *, product: str | None = None) -> SampleInstallation:
    alphabet = string.ascii_letters + string.digits
    return SampleInstallation(
        installation_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        secret="".join(rng.choice(alphabet) for _ in range(48)),
        product=product or rng.choice(["professional", "server", "business-essentials"]),
        version=rng.choice(VERSIONS),
    )


def report(
    rng: random.Random,
    owner: SampleInstallation,
    *,
    sent_at: datetime,
    installed: int = 50,
) -> dict:
    """One report as a product would send it (a plain dict, ready for JSON)."""
    cpu_model, cores = rng.choice(CPUS)
    (os_name, os_version, edition) = rng.choices(
        [system for system, _weight in SYSTEMS], weights=[weight for _s, weight in SYSTEMS]
    )[0]
    disks = [{"type": rng.choice(["ssd", "nvme", "hdd"]), "size_gb": rng.choice([256, 512, 1024])}]
    if rng.random() < 0.4:
        disks.append({"type": rng.choice(["hdd", "usb", "network"]), "size_gb": 4096})
    features = sorted(FEATURES[owner.product])
    used = rng.sample(features, k=min(len(features), rng.randint(3, 10)))
    return {
        "schema_version": 1,
        "report_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "installation_id": str(owner.installation_id),
        "installation_secret": owner.secret,
        "product": owner.product,
        "version": owner.version,
        "sent_at": sent_at.isoformat().replace("+00:00", "Z"),
        "hardware": {
            "cpu_model": cpu_model,
            "cpu_cores": cores,
            "memory_mb": rng.choice(MEMORY_MB),
            "disks": disks,
            "virtualization": rng.choice(VIRTUALIZATION),
        },
        "software": {
            "os": {"name": os_name, "version": os_version, "edition": edition},
            "installed": [
                {"name": name, "version": version}
                for name, version in rng.sample(SOFTWARE, k=min(installed, len(SOFTWARE)))
            ],
        },
        "features": {name: rng.randint(1, 40) for name in used},
    }
