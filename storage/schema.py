"""Schema migrations, applied in order and tracked by ``PRAGMA user_version``.

Never edit a released migration: append a new one. Migration N brings the schema to version N.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: users, rounds, answers, scoreboards, study cards, reminders, disputes
    """
    CREATE TABLE users (
        id              INTEGER PRIMARY KEY,          -- Telegram user id
        name            TEXT    NOT NULL,             -- display name, kept current
        streak_current  INTEGER NOT NULL DEFAULT 0,
        streak_best     INTEGER NOT NULL DEFAULT 0,
        last_active_day TEXT,                         -- UTC date of the last answer
        blocked         INTEGER NOT NULL DEFAULT 0,   -- the bot got 403 from this user's chat
        created_at      TEXT    NOT NULL,
        updated_at      TEXT    NOT NULL
    );

    CREATE TABLE rounds (
        id          INTEGER PRIMARY KEY,
        chat_id     INTEGER NOT NULL,
        chat_kind   TEXT    NOT NULL CHECK (chat_kind IN ('private', 'group')),
        owner_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
        state       TEXT    NOT NULL CHECK (state IN ('active', 'finished', 'stopped')),
        position    INTEGER NOT NULL DEFAULT 0,       -- index of the current question
        size        INTEGER NOT NULL CHECK (size > 0),
        open_period INTEGER,                          -- seconds per poll (group rounds)
        label       TEXT    NOT NULL DEFAULT '',      -- what the round is on: '', topic, ¶N
        created_at  TEXT    NOT NULL,
        updated_at  TEXT    NOT NULL
    );
    CREATE UNIQUE INDEX rounds_one_active_per_chat ON rounds(chat_id) WHERE state = 'active';
    CREATE INDEX rounds_owner ON rounds(owner_id);

    CREATE TABLE round_questions (
        round_id     INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        question_id  TEXT    NOT NULL,
        option_order TEXT    NOT NULL,        -- bank option indexes as shown: 2,0,3,1
        asked_at     TEXT,
        message_id   INTEGER,
        poll_id      TEXT,
        closes_at    TEXT,
        closed       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (round_id, position)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX round_questions_poll ON round_questions(poll_id)
        WHERE poll_id IS NOT NULL;

    CREATE TABLE answers (
        id          INTEGER PRIMARY KEY,
        round_id    INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        question_id TEXT    NOT NULL,
        user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        chat_id     INTEGER NOT NULL,
        chosen      INTEGER NOT NULL,                 -- bank option index
        correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
        elapsed_ms  INTEGER NOT NULL,
        answered_at TEXT    NOT NULL,
        week        TEXT    NOT NULL,                 -- ISO week, UTC: '2026-W48'
        UNIQUE (round_id, question_id, user_id)
    );
    CREATE INDEX answers_user ON answers(user_id, question_id);

    -- Totals per board ('all', 'week:2026-W48', 'chat:-100123'), updated with each answer.
    CREATE TABLE scores (
        board    TEXT    NOT NULL,
        user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        points   INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        time_ms  INTEGER NOT NULL DEFAULT 0,          -- answer time of correct answers: tie-break
        PRIMARY KEY (board, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX scores_board_order ON scores(board, points DESC, time_ms, user_id);
    CREATE INDEX scores_user ON scores(user_id);

    -- How many users of a board have exactly N points: own rank = 1 + users above,
    -- summed over distinct point values instead of counting every user ahead.
    CREATE TABLE board_points (
        board  TEXT    NOT NULL,
        points INTEGER NOT NULL,
        users  INTEGER NOT NULL CHECK (users >= 0),
        PRIMARY KEY (board, points)
    ) WITHOUT ROWID;

    -- One FSRS card per user and question (fsrs.Card.to_dict() as JSON; times UTC).
    CREATE TABLE cards (
        user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        question_id  TEXT    NOT NULL,
        card         TEXT    NOT NULL,
        due          TEXT    NOT NULL,
        last_correct INTEGER NOT NULL CHECK (last_correct IN (0, 1)),
        reviews      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, question_id)
    ) WITHOUT ROWID;
    CREATE INDEX cards_due ON cards(user_id, due);

    CREATE TABLE reminders (
        user_id        INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        chat_id        INTEGER NOT NULL,
        minute_utc     INTEGER NOT NULL CHECK (minute_utc BETWEEN 0 AND 1439),
        offset_minutes INTEGER NOT NULL DEFAULT 0,   -- the user's offset, for display
        last_sent_day  TEXT
    );

    CREATE TABLE disputes (
        id          INTEGER PRIMARY KEY,
        question_id TEXT    NOT NULL,
        user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
        text        TEXT    NOT NULL,
        created_at  TEXT    NOT NULL,
        resolved_at TEXT,
        resolved_by INTEGER
    );
    CREATE INDEX disputes_open ON disputes(resolved_at, id);

    -- A question the bot asked and is waiting for the user's next message to answer.
    CREATE TABLE pending_inputs (
        user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        kind        TEXT    NOT NULL,
        question_id TEXT    NOT NULL,
        created_at  TEXT    NOT NULL
    );
    """,
    # 2: a round's answers by question (group polls: who answered, fastest first)
    """
    CREATE INDEX answers_round_position ON answers(round_id, position, elapsed_ms);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
