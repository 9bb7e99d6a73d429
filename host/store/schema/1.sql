-- Version 1 of the record. Amounts are exact decimal TEXT, never REAL; times
-- are UTC ISO 8601 TEXT; dates are YYYY-MM-DD TEXT.

CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  at            TEXT NOT NULL,
  actor         TEXT NOT NULL,
  book          TEXT NOT NULL,
  book_digest   TEXT NOT NULL,
  config        TEXT NOT NULL,
  config_digest TEXT NOT NULL,
  invoice       TEXT NOT NULL,       -- check --invoice, or ''
  sources       TEXT NOT NULL,       -- JSON: the plugins and packs that ran
  invoices      INTEGER NOT NULL, lines INTEGER NOT NULL, findings INTEGER NOT NULL,
  errors        INTEGER NOT NULL, warnings INTEGER NOT NULL, infos INTEGER NOT NULL, waived INTEGER NOT NULL,
  new_findings  INTEGER NOT NULL, fixed INTEGER NOT NULL, reopened INTEGER NOT NULL
);

-- Each finding once, by fingerprint, with its last report and its state.
CREATE TABLE findings (
  fingerprint    TEXT PRIMARY KEY,
  rule           TEXT NOT NULL,
  severity       TEXT NOT NULL,
  category       TEXT NOT NULL,
  message        TEXT NOT NULL,
  client         TEXT NOT NULL,
  invoice        TEXT NOT NULL,
  line           TEXT NOT NULL,
  amount         TEXT NOT NULL,     -- exact decimal, '' when none
  currency       TEXT NOT NULL,
  data           TEXT NOT NULL,     -- the finding as the report's JSON
  status         TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved', 'waived', 'reopened')),
  first_seen     TEXT NOT NULL,
  last_seen      TEXT NOT NULL,
  first_run      INTEGER REFERENCES runs(id),
  last_run       INTEGER REFERENCES runs(id),
  status_at      TEXT NOT NULL,
  status_by      TEXT NOT NULL,
  note           TEXT NOT NULL DEFAULT '',
  remedy_kind    TEXT NOT NULL DEFAULT '',
  remedy_id      TEXT NOT NULL DEFAULT '',
  remedy_amount  TEXT NOT NULL DEFAULT '',
  waiver_reason  TEXT NOT NULL DEFAULT '',
  waiver_by      TEXT NOT NULL DEFAULT '',
  waiver_expires TEXT NOT NULL DEFAULT ''
);
CREATE INDEX findings_by_status ON findings (status, client);
CREATE INDEX findings_by_invoice ON findings (invoice);
CREATE INDEX findings_by_client ON findings (client);

-- Which findings each run saw: a finding's history over time.
CREATE TABLE sightings (
  run         INTEGER NOT NULL REFERENCES runs(id),
  fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),
  PRIMARY KEY (fingerprint, run)
) WITHOUT ROWID;

CREATE TABLE disputes (
  id            INTEGER PRIMARY KEY,
  invoice       TEXT NOT NULL,
  line          TEXT NOT NULL,
  client        TEXT NOT NULL,
  reason        TEXT NOT NULL,
  says          TEXT NOT NULL,
  received      TEXT NOT NULL,
  respond_by    TEXT NOT NULL,
  opened_at     TEXT NOT NULL,
  opened_by     TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'investigating', 'upheld', 'explained', 'closed')),
  state_at      TEXT NOT NULL,
  state_by      TEXT NOT NULL,
  outcome       TEXT NOT NULL DEFAULT '',
  remedy_kind   TEXT NOT NULL DEFAULT '',
  remedy_id     TEXT NOT NULL DEFAULT '',
  remedy_amount TEXT NOT NULL DEFAULT '',
  currency      TEXT NOT NULL DEFAULT '',
  explanation   TEXT NOT NULL DEFAULT '',
  closing_note  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX disputes_by_state ON disputes (state, respond_by);
CREATE INDEX disputes_by_invoice ON disputes (invoice);

CREATE TABLE dispute_findings (
  dispute     INTEGER NOT NULL REFERENCES disputes(id),
  fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),
  PRIMARY KEY (dispute, fingerprint)
) WITHOUT ROWID;

-- Correspondence; an attachment by path and SHA-256 (and its bytes when kept).
CREATE TABLE notes (
  id                INTEGER PRIMARY KEY,
  dispute           INTEGER NOT NULL REFERENCES disputes(id),
  at                TEXT NOT NULL,
  actor             TEXT NOT NULL,
  channel           TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'meeting', 'letter', 'portal')),
  direction         TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  text              TEXT NOT NULL,
  attachment        TEXT NOT NULL DEFAULT '',
  attachment_sha256 TEXT NOT NULL DEFAULT '',
  attachment_bytes  BLOB
);
CREATE INDEX notes_by_dispute ON notes (dispute);

-- A payment plan's instalments: of a dispute's remedy or a finding's.
CREATE TABLE instalments (
  id          INTEGER PRIMARY KEY,
  dispute     INTEGER REFERENCES disputes(id),
  fingerprint TEXT REFERENCES findings(fingerprint),
  number      INTEGER NOT NULL,
  amount      TEXT NOT NULL,
  due         TEXT NOT NULL,
  paid        TEXT NOT NULL DEFAULT '',
  CHECK (dispute IS NOT NULL OR fingerprint IS NOT NULL)
);
CREATE INDEX instalments_by_due ON instalments (paid, due);

-- The audit trail: append-only, each event chained to the one before by hash.
CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  object_kind TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  invoice     TEXT NOT NULL,
  dispute     INTEGER,
  before      TEXT NOT NULL,
  after       TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE INDEX events_by_invoice ON events (invoice);
CREATE INDEX events_by_dispute ON events (dispute);
CREATE INDEX events_by_object ON events (object_kind, object_id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be changed'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be deleted'); END;
