"""Each SKM question has its own answers (PermenPAN-RB 14/2017, the Lampiran's questionnaire),
not one Tidak baik…Sangat baik scale for all (issue 14, point 12)."""

from __future__ import annotations

from station.reports.skm import ANSWER_LABELS, ELEMENTS, QUESTIONS, answer_labels


def test_nine_questions_each_with_four_answers_in_its_own_words() -> None:
    assert len(ANSWER_LABELS) == len(ELEMENTS) == len(QUESTIONS) == 9
    assert all(len(labels) == len(set(labels)) == 4 for labels in ANSWER_LABELS)
    assert answer_labels(0) == {
        1: "Tidak sesuai", 2: "Kurang sesuai", 3: "Sesuai", 4: "Sangat sesuai",
    }  # fmt: skip
    assert answer_labels(1)[4] == "Sangat mudah"
    assert answer_labels(2)[1] == "Tidak cepat"
    assert answer_labels(3) == {1: "Sangat mahal", 2: "Cukup mahal", 3: "Murah", 4: "Gratis"}
    assert answer_labels(5)[3] == "Kompeten"
    assert answer_labels(6)[1] == "Tidak sopan dan ramah"
    assert answer_labels(8) == {
        1: "Tidak ada", 2: "Ada tetapi tidak berfungsi",
        3: "Berfungsi kurang maksimal", 4: "Dikelola dengan baik",
    }  # fmt: skip
    assert len({labels for labels in ANSWER_LABELS}) > 5  # not one scale for all
