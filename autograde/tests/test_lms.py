"""The LMS round trip without grading: file names to students, the newest of several files, Canvas's CSV."""
import csv
import os
import zipfile

import pytest

from autograde.term.lms import (CANVAS_COLUMNS, TIME_FROM_ARCHIVE, TIME_FROM_FILE, TIME_FROM_NAME, import_submissions,
                           lms_user_id, load_import_record, save_import_record, student_for, write_canvas_csv)

NOTEBOOKS = ["04_challenge"]


def _import(source, tmp_path):
    return import_submissions(source, lambda student: tmp_path / "submitted" / student / "challenge",
                              "challenge", NOTEBOOKS)


def _submitted(tmp_path, student):
    return (tmp_path / "submitted" / student / "challenge" / "04_challenge.ipynb").read_bytes()


@pytest.mark.parametrize("name, student, user_id", [
    ("alice.ipynb", "alice", None),
    ("smithjane_12345_67890_04_challenge.ipynb", "smithjane", "12345"),
    ("smithjane_late_12345_67890_04_challenge-1.ipynb", "smithjane", "12345"),
    ("bob_attempt_2024-03-13-10-30-15_04_challenge.ipynb", "bob", None),
    ("bob_2024-03-13T10-30.ipynb", "bob", None),
])
def test_names_give_the_student_and_the_canvas_user_id(name, student, user_id):
    assert student_for(name, "challenge", NOTEBOOKS)[0] == student
    assert lms_user_id(name) == user_id


def test_of_two_files_the_newer_by_the_time_in_the_name_is_graded(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "bob_attempt_2024-03-13-10-30-15.ipynb").write_bytes(b"new")
    (export / "bob_attempt_2024-03-12-09-00-00.ipynb").write_bytes(b"old")
    # the file times say the opposite: the name's submission time wins
    os.utime(export / "bob_attempt_2024-03-13-10-30-15.ipynb", (1_000_000, 1_000_000))
    report = _import(export, tmp_path)
    assert _submitted(tmp_path, "bob") == b"new"
    assert "graded the newest, bob_attempt_2024-03-13-10-30-15.ipynb" in report.duplicates["bob"]
    assert TIME_FROM_NAME in report.duplicates["bob"]
    assert report.problems == []  # the older file is named in the sentence above, not "unusable"


def test_of_two_files_in_a_zip_the_newer_by_the_archive_time_is_graded(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name, when, content in [("carol_challenge.ipynb", (2024, 3, 14, 8, 0, 0), b"newer"),
                                    ("carol.ipynb", (2024, 3, 13, 8, 0, 0), b"older")]:
            bundle.writestr(zipfile.ZipInfo(f"export/{name}", when), content)
    report = _import(archive, tmp_path)
    assert _submitted(tmp_path, "carol") == b"newer"
    assert TIME_FROM_ARCHIVE in report.duplicates["carol"] and "carol_challenge.ipynb" in report.duplicates["carol"]


def test_of_two_files_in_a_folder_the_newer_by_file_time_is_graded(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    for name, stamp, content in [("dave.ipynb", 2_000_000_000, b"newer"), ("dave_challenge.ipynb", 1_000_000_000, b"older")]:
        (export / name).write_bytes(content)
        os.utime(export / name, (stamp, stamp))
    report = _import(export, tmp_path)
    assert _submitted(tmp_path, "dave") == b"newer"
    assert TIME_FROM_FILE in report.duplicates["dave"] and "dave.ipynb" in report.duplicates["dave"]


def test_the_import_record_keeps_user_ids_across_imports(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "smithjane_12345_67890_04_challenge.ipynb").write_bytes(b"x")
    (export / "notes (1).ipynb").write_bytes(b"x")
    record_path = tmp_path / "challenge-lms.json"
    save_import_record(record_path, _import(export, tmp_path), export)
    (export / "smithjane_12345_67890_04_challenge.ipynb").unlink()
    (export / "lee_777_888_04_challenge.ipynb").write_bytes(b"y")
    save_import_record(record_path, _import(export, tmp_path), export)
    record = load_import_record(record_path)
    assert record["lms_user_ids"] == {"smithjane": "12345", "lee": "777"}
    assert [name for name, _ in record["problems"]] == ["notes (1).ipynb"]


def test_the_canvas_csv_reads_back_with_canvas_columns(tmp_path):
    path = write_canvas_csv(tmp_path / "challenge-canvas.csv", "Attention heatmap, challenge",
                            [(["smithjane", "12345", "", "", ""], "9.5"), (["lee", "", "", "", ""], "")], 10.0)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [*CANVAS_COLUMNS, "Attention heatmap, challenge"]
    assert rows[0]["Student"].strip() == "Points Possible" and rows[0]["Attention heatmap, challenge"] == "10"
    assert rows[1]["ID"] == "12345" and rows[1]["Attention heatmap, challenge"] == "9.5"
    assert rows[2]["ID"] == "" and rows[2]["Attention heatmap, challenge"] == ""


def test_an_unreadable_record_is_an_empty_one(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    assert load_import_record(tmp_path / "broken.json")["lms_user_ids"] == {}


# -- issue 19: what students name and size is data, bounded, and never followed --------------------
def test_two_canvas_students_with_one_name_are_two_students_and_keep_their_ids(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "smithjane_111_5_04_challenge.ipynb").write_bytes(b"first jane")
    (export / "smithjane_222_6_04_challenge.ipynb").write_bytes(b"second jane")
    # the second Jane wrote a later time into her own file name: it decides nothing
    (export / "smithjane_222_7_04_challenge_2099-01-01T10-00.ipynb").write_bytes(b"older, a forged time")
    os.utime(export / "smithjane_222_7_04_challenge_2099-01-01T10-00.ipynb", (1_000_000, 1_000_000))
    report = _import(export, tmp_path)
    assert report.lms_user_ids == {"smithjane-111": "111", "smithjane-222": "222"}
    assert _submitted(tmp_path, "smithjane-111") == b"first jane"
    assert _submitted(tmp_path, "smithjane-222") == b"second jane"
    assert TIME_FROM_NAME not in report.duplicates["smithjane-222"]
    # a later export with one of them keeps the ids the first import gave
    (export / "smithjane_111_5_04_challenge.ipynb").unlink()
    again = import_submissions(export, lambda student: tmp_path / "submitted" / student / "challenge",
                               "challenge", NOTEBOOKS, known_user_ids=report.lms_user_ids)
    assert set(again.lms_user_ids) == {"smithjane-222"}


def test_a_lone_canvas_name_is_the_student_id_and_the_attachment_and_late_marker_are_kept(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "leeann_late_333_9001_04_challenge.ipynb").write_bytes(b"x")
    os.utime(export / "leeann_late_333_9001_04_challenge.ipynb", (1_700_000_000, 1_700_000_000))
    report = _import(export, tmp_path)
    assert report.lms_user_ids == {"leeann": "333"} and report.attachment_ids == {"leeann": "9001"}
    assert report.late == {"leeann": True} and report.submitted_at == {"leeann": "2023-11-14 22:13:20 UTC"}
    assert (tmp_path / "submitted" / "leeann" / "challenge" / "timestamp.txt").read_text() == "2023-11-14 22:13:20 UTC"


def test_links_absolute_and_climbing_zip_entries_are_refused_with_a_reason(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        link = zipfile.ZipInfo("export/linda.ipynb")
        link.external_attr = (0o120777 << 16)
        bundle.writestr(link, "../../grading/gradebook.db")
        bundle.writestr("/etc/abby.ipynb", b"{}")
        bundle.writestr("export/../../carl.ipynb", b"{}")
        bundle.writestr("export/honest.ipynb", b"{}")
    report = _import(archive, tmp_path)
    reasons = dict(report.problems)
    assert "symbolic link" in reasons["linda.ipynb"] and "absolute path" in reasons["abby.ipynb"]
    assert "'..'" in reasons["carl.ipynb"]
    assert set(report.imported) == {"honest"}
    assert not (tmp_path / "submitted" / "linda").exists()


def test_a_folder_exports_symlinks_are_not_followed(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    secret = tmp_path / "gradebook.db"
    secret.write_bytes(b"every student's grades")
    (export / "mallory.ipynb").symlink_to(secret)
    (export / "honest.ipynb").write_bytes(b"{}")
    report = _import(export, tmp_path)
    assert "symbolic link" in dict(report.problems)["mallory.ipynb"]
    assert not (tmp_path / "submitted" / "mallory").exists() and set(report.imported) == {"honest"}


def test_a_zip_bomb_is_refused_without_reading_it(tmp_path):
    import tracemalloc

    from autograde.term.lms import LmsImport

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        with bundle.open("export/bomber.ipynb", "w", force_zip64=True) as entry:
            for _ in range(200):
                entry.write(b" " * (1 << 20))   # 200 MB of spaces, 0.2 MB compressed
        bundle.writestr("export/honest.ipynb", b"{}")
    tracemalloc.start()
    report = import_submissions(archive, lambda student: tmp_path / "submitted" / student / "challenge",
                                "challenge", NOTEBOOKS, LmsImport(max_notebook_mb=50))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "larger than the import's limit of 50 MB" in dict(report.problems)["bomber.ipynb"]
    assert set(report.imported) == {"honest"} and peak < 20e6
