"""A real Orthanc (Debian packages `orthanc` + `orthanc-dicomweb`) on free local ports, for PACS tests.

Each server gets its own config, storage and index in a temp dir, listens only on loopback, and is
stopped (then its files removed) by ``stop()``. scripts/test-services.sh installs the packages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.ports import free_port

PLUGIN_DIRS = (Path("/usr/share/orthanc/plugins"), Path("/usr/lib/orthanc/plugins"))
INSTALL_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "test-services.sh"


def find_orthanc() -> tuple[str, Path] | None:
    """(Orthanc binary, DICOMweb plugin) when both are installed, else None."""
    binary = shutil.which("Orthanc") or next(
        (p for p in ("/usr/sbin/Orthanc", "/usr/bin/Orthanc") if Path(p).exists()), None
    )
    plugin = next(
        (p for d in PLUGIN_DIRS if d.is_dir() for p in sorted(d.glob("libOrthancDicomWeb.so*"))), None
    )
    return (binary, plugin) if binary and plugin else None


def ensure_orthanc() -> tuple[str, Path] | None:
    """find_orthanc(), installing the packages with scripts/test-services.sh first when missing."""
    found = find_orthanc()
    if found is None and INSTALL_SCRIPT.exists():
        subprocess.run(["bash", str(INSTALL_SCRIPT)], check=False, timeout=600)
        found = find_orthanc()
    return found


@dataclass
class OrthancServer:
    proc: subprocess.Popen
    workdir: Path
    http_port: int
    dicom_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    def log(self) -> str:
        path = self.workdir / "orthanc.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def upload(self, content: bytes) -> dict:
        """POST /instances; returns Orthanc's answer (ID, ParentStudy, Status)."""
        r = requests.post(f"{self.url}/instances", data=content, timeout=30)
        r.raise_for_status()
        return r.json()

    def delete_instance(self, orthanc_id: str) -> None:
        requests.delete(f"{self.url}/instances/{orthanc_id}", timeout=30).raise_for_status()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_orthanc(workdir: Path, *, binary: str, plugin: Path, timeout: float = 60.0) -> OrthancServer:
    workdir.mkdir(parents=True, exist_ok=True)
    http_port, dicom_port = free_port(), free_port()
    storage = workdir / "storage"
    config = {
        "Name": "arbiter-test",
        "HttpPort": http_port,
        "DicomPort": dicom_port,
        "StorageDirectory": str(storage),
        "IndexDirectory": str(storage),
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "HttpCompressionEnabled": False,
        "Plugins": [str(plugin)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": True},
    }
    (workdir / "orthanc.json").write_text(json.dumps(config))
    log = (workdir / "orthanc.log").open("w")
    proc = subprocess.Popen(
        [binary, str(workdir / "orthanc.json")], cwd=workdir, stdout=log, stderr=subprocess.STDOUT
    )
    server = OrthancServer(proc, workdir, http_port, dicom_port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Orthanc exited early:\n{server.log()[-3000:]}")
        try:
            if requests.get(f"{server.dicomweb_url}/studies", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"Orthanc did not answer within {timeout:.0f}s:\n{server.log()[-3000:]}")
