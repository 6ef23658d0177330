"""The source stays in modules small enough to hold one job: none passes 400 lines (STYLE.md)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("commerce", "realtime", "project")
MAX_LINES = 400


def source_modules() -> list[Path]:
    """Every Python module of the store's packages but migrations (generated, and never edited)."""
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def test_the_source_is_found():
    found = {path.relative_to(ROOT).as_posix() for path in source_modules()}

    assert {"project/settings.py", "realtime/hub.py", "commerce/ops/selectors.py"} <= found
    assert not any("/migrations/" in name for name in found)


def test_no_source_module_passes_400_lines():
    too_long = {
        path.relative_to(ROOT).as_posix(): lines
        for path in source_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }

    assert too_long == {}, f"split these by what they do (lines: {too_long})"
