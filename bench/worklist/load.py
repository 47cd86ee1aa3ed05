"""Bulk loading for the worklist benchmark: whole tables generated inside PostgreSQL with
INSERT ... SELECT over generate_series (no rows travel through Python), into the benchmark's own
database only."""

from django.db import connection

from annotations.models import Dataset

CXR_EXPORT_SCHEMA = "chestxray14"


def _exec(sql: str, params: tuple = ()) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def load_images(dataset: Dataset, n: int) -> None:
    """n patients, n studies and n images (one each) in `dataset`."""
    ds = dataset.pk
    tag = dataset.slug
    _exec(
        """INSERT INTO annotations_patient (dataset_id, pseudo_id, age_years, sex, split)
           SELECT %s, %s || '-P' || g, 20 + g %% 70, CASE WHEN g %% 2 = 0 THEN 'F' ELSE 'M' END,
                  (ARRAY['train','validation','test'])[1 + g %% 3]
           FROM generate_series(1, %s) g""",
        (ds, tag, n),
    )
    _exec(
        """INSERT INTO annotations_study (dataset_id, patient_id, study_instance_uid, accession_number,
                                          modality, description, patient_age_years)
           SELECT %s, p.id, '1.2.826.0.1.' || p.id, '', 'CR', '', p.age_years
           FROM annotations_patient p WHERE p.dataset_id = %s""",
        (ds, ds),
    )
    _exec(
        """INSERT INTO annotations_image (dataset_id, study_id, sop_instance_uid, source_key, file,
               file_format, pixel_checksum, rows, cols, bits_stored, photometric_interpretation,
               transfer_syntax_uid, view_position, body_part, derived_cache_key, created_at)
           SELECT %s, s.id, '1.2.826.0.2.' || s.id, lpad(s.id::text, 8, '0') || '_000.png',
                  'images/' || s.id || '.png', 'png', md5(s.id::text), 1024, 1024, 8, 'MONOCHROME2', '',
                  'PA', 'CHEST', md5(s.id::text), now()
           FROM annotations_study s WHERE s.dataset_id = %s""",
        (ds, ds),
    )


def load_queue(dataset: Dataset, *, seed: float = 0.42, readers_needed: int = 3) -> None:
    """A random-strategy RankingScore per image and a WorkItem with that priority."""
    ds = dataset.pk
    _exec("SELECT setseed(%s)", (seed,))
    _exec(
        """INSERT INTO annotations_rankingscore (dataset_id, image_id, strategy, score, computed_at)
           SELECT %s, i.id, 'random', random(), now() FROM annotations_image i WHERE i.dataset_id = %s""",
        (ds, ds),
    )
    _exec(
        """INSERT INTO annotations_workitem (image_id, dataset_id, state, priority, priority_strategy,
                                             readers_needed, reads_open, updated_at)
           SELECT r.image_id, %s, 'reading', r.score, 'random', %s, 0, now()
           FROM annotations_rankingscore r WHERE r.dataset_id = %s AND r.strategy = 'random'""",
        (ds, readers_needed, ds),
    )


def load_final_labels(dataset: Dataset) -> None:
    """An adjudicated label (version 1) with provenance for every finding of every image, the items
    done: varied values and ways of reaching them, three readers per label."""
    ds = dataset.pk
    _exec(
        """INSERT INTO annotations_workitem (image_id, dataset_id, state, priority, priority_strategy,
                                             readers_needed, reads_open, updated_at)
           SELECT i.id, %s, 'done', 0, 'random', 3, 3, now()
           FROM annotations_image i WHERE i.dataset_id = %s""",
        (ds, ds),
    )
    _exec(
        """INSERT INTO annotations_label (image_id, finding_id, source, source_version, value, evidence,
                                          created_at)
           SELECT i.id, f.id, 'adjudicated', '1',
                  CASE WHEN (i.id * 7 + f."order" * 13) %% 10 < 2 THEN 'positive'
                       WHEN (i.id * 7 + f."order" * 13) %% 10 = 2 THEN 'uncertain' ELSE 'negative' END,
                  '[]'::jsonb, now()
           FROM annotations_image i CROSS JOIN annotations_finding f
           WHERE i.dataset_id = %s AND f.schema_id = %s""",
        (ds, dataset.schema_id),
    )
    _exec(
        """INSERT INTO annotations_labelprovenance (label_id, how_reached, rounds, readers, reason,
                                                    first_read_at, decided_at)
           SELECT l.id,
                  CASE WHEN l.id %% 10 < 7 THEN 'unanimous' WHEN l.id %% 10 < 9 THEN 'consensus'
                       ELSE 'majority' END,
                  CASE WHEN l.id %% 10 < 7 THEN 0 WHEN l.id %% 10 < 9 THEN 1 ELSE 3 END,
                  (SELECT jsonb_agg(jsonb_build_object(
                       'reader_id', r, 'reader', chr(64 + r), 'rounds', jsonb_build_array(0),
                       'values', jsonb_build_array(l.value), 'value', l.value,
                       'submitted_at', jsonb_build_array('2026-01-02T03:04:05+00:00')))
                   FROM generate_series(1, 3) r),
                  '', '2026-01-02T03:04:05+00:00', '2026-01-03T03:04:05+00:00'
           FROM annotations_label l JOIN annotations_image i ON i.id = l.image_id WHERE i.dataset_id = %s""",
        (ds,),
    )


def analyze() -> None:
    _exec("ANALYZE")
