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
                            [("smithjane", "12345", 9.5), ("lee", None, None)], 10.0)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [*CANVAS_COLUMNS, "Attention heatmap, challenge"]
    assert rows[0]["Student"].strip() == "Points Possible" and rows[0]["Attention heatmap, challenge"] == "10"
    assert rows[1]["ID"] == "12345" and rows[1]["Attention heatmap, challenge"] == "9.5"
    assert rows[2]["ID"] == "" and rows[2]["Attention heatmap, challenge"] == ""


def test_an_unreadable_record_is_an_empty_one(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    assert load_import_record(tmp_path / "broken.json")["lms_user_ids"] == {}
