"""What ``invoke test`` installs on a fresh Debian machine when it is missing.

Debian's Chromium for the browser tests, rsync for the publish tests and nginx
for the staged production stack (``invoke stage``; all with apt-get, through
sudo when not root), and axe-core from ``tests/e2e/package-lock.json`` with npm.
Playwright never downloads a browser.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from invoke import Exit

E2E = Path(__file__).resolve().parent.parent / "tests" / "e2e"


def apt_install(package):
    """Install a Debian package; return whether apt-get succeeded."""
    apt = ["apt-get"] if os.geteuid() == 0 else ["sudo", "apt-get"]
    for step in (["update", "-qq"], ["install", "-y", "-qq", package]):
        try:
            if subprocess.run([*apt, *step]).returncode:
                return False
        except FileNotFoundError:  # no sudo (or no apt-get) on this machine
            return False
    return True


def ensure_chromium():
    """Install Debian's Chromium for the browser tests when it is missing."""
    if Path("/usr/bin/chromium").exists():
        return
    print("Chromium is missing; installing Debian's package for the browser tests.")
    if not apt_install("chromium"):
        raise Exit(
            "could not install Chromium; run: sudo apt-get install -y chromium",
            code=1,
        )


def ensure_rsync():
    """Install rsync for the publish tests when it is missing; if that fails,
    those tests skip and say why."""
    if shutil.which("rsync"):
        return
    print("rsync is missing; installing Debian's package for the publish tests.")
    if not apt_install("rsync"):
        print(
            "could not install rsync; the tests that publish with it are skipped "
            "(run: sudo apt-get install -y rsync)"
        )


def ensure_axe():
    """Install axe-core (tests/e2e/package-lock.json) for the browser tests."""
    if (E2E / "node_modules" / "axe-core").is_dir():
        return
    if shutil.which("npm") is None:
        raise Exit("npm is missing; run: sudo apt-get install -y nodejs npm", code=1)
    print("axe-core is missing; installing it for the browser tests (npm ci).")
    npm_ci = ["npm", "ci", "--prefix", str(E2E), "--no-audit", "--no-fund"]
    if subprocess.run(npm_ci).returncode:
        raise Exit("could not install axe-core; run: npm ci --prefix tests/e2e", code=1)


def nginx_binary():
    """Return nginx's path, or None (/usr/sbin is not on every user's PATH)."""
    found = shutil.which("nginx") or Path("/usr/sbin/nginx")
    return str(found) if Path(found).exists() else None


def ensure_nginx():
    """Install Debian's nginx (and its brotli module) for ``invoke stage`` and the
    stack tests when it is missing."""
    if nginx_binary():
        return
    print("nginx is missing; installing Debian's package for the staged stack.")
    if not apt_install("nginx"):
        raise Exit(
            "could not install nginx; run: sudo apt-get install -y nginx", code=1
        )
    # Optional: without the module the sites are served with gzip only.
    apt_install("libnginx-mod-http-brotli-filter")


def run_test_suite(root, pytest_args):
    """`invoke test`: install what the suite needs (Chromium, rsync, nginx,
    axe-core), then run pytest in ``root``; exit with pytest's code."""
    ensure_chromium()
    ensure_rsync()
    ensure_nginx()
    ensure_axe()
    result = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=root)
    if result.returncode:
        raise Exit(code=result.returncode)
