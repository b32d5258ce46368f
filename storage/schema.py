"""Schema migrations for both backends, applied in order.

``SQLITE_MIGRATIONS[n - 1]`` and ``POSTGRES_MIGRATIONS[n - 1]`` make the same change in each
dialect: migration *n* brings a database to schema version *n* (SQLite records it in
``PRAGMA user_version``, PostgreSQL in the ``schema_version`` table). Never edit a released
migration: append a new one to both tuples.

Types: SQLite keeps times as ISO-8601 UTC text (they sort as text) and flags as 0/1;
PostgreSQL uses ``timestamptz`` and ``boolean``. Queries are written in SQL both accept
(``TRUE``/``FALSE``, ``CASE WHEN`` instead of summing flags), and ``storage.rows`` maps either
form to the same Python values.
"""

from __future__ import annotations

SQLITE_MIGRATIONS: tuple[str, ...] = (
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
    # 3: a point per question once per board (awards), recomputed from the answers; the
    #    console's player leaves the boards; users' time zone, daily goal and reminder offer;
    #    reminders in the user's time zone; the durable update inbox, timed jobs, leases,
    #    known chats, early poll votes, poll send state, round modes, dispute replies.
    """
    CREATE TABLE awards (
        board       TEXT    NOT NULL,
        user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        question_id TEXT    NOT NULL,
        answer_id   INTEGER NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
        PRIMARY KEY (board, user_id, question_id)
    ) WITHOUT ROWID;
    CREATE INDEX awards_user ON awards(user_id);
    CREATE INDEX awards_answer ON awards(answer_id);

    CREATE TEMP TABLE answer_boards AS
        SELECT id AS answer_id, 'all' AS board, user_id, question_id, correct, elapsed_ms
            FROM answers WHERE user_id != 0
        UNION ALL SELECT id, 'week:' || week, user_id, question_id, correct, elapsed_ms
            FROM answers WHERE user_id != 0
        UNION ALL SELECT id, 'chat:' || chat_id, user_id, question_id, correct, elapsed_ms
            FROM answers WHERE chat_id < 0 AND user_id != 0
        UNION ALL SELECT id, 'chatweek:' || chat_id || ':' || week, user_id, question_id,
            correct, elapsed_ms FROM answers WHERE chat_id < 0 AND user_id != 0;
    INSERT INTO awards (board, user_id, question_id, answer_id)
        SELECT board, user_id, question_id, MIN(answer_id) FROM answer_boards
        WHERE correct = 1 GROUP BY board, user_id, question_id;
    DELETE FROM scores;
    DELETE FROM board_points;
    INSERT INTO scores (board, user_id, points, answered, time_ms)
        SELECT b.board, b.user_id, COUNT(w.answer_id), COUNT(*),
            COALESCE(SUM(CASE WHEN w.answer_id IS NOT NULL THEN b.elapsed_ms END), 0)
        FROM answer_boards b
        LEFT JOIN awards w ON w.answer_id = b.answer_id AND w.board = b.board
        GROUP BY b.board, b.user_id;
    INSERT INTO board_points (board, points, users)
        SELECT board, points, COUNT(*) FROM scores GROUP BY board, points;
    DROP TABLE answer_boards;

    ALTER TABLE users ADD COLUMN tz TEXT;              -- zoneinfo name or ±HH:MM; NULL: UTC
    ALTER TABLE users ADD COLUMN daily_goal INTEGER NOT NULL DEFAULT 10;
    ALTER TABLE users ADD COLUMN goal_day TEXT;        -- the local day goal_answers counts
    ALTER TABLE users ADD COLUMN goal_answers INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN reminder_offered INTEGER NOT NULL DEFAULT 0;

    ALTER TABLE reminders ADD COLUMN local_minute INTEGER NOT NULL DEFAULT 0
        CHECK (local_minute BETWEEN 0 AND 1439);
    ALTER TABLE reminders ADD COLUMN tz TEXT NOT NULL DEFAULT 'UTC';
    UPDATE reminders SET
        local_minute = (minute_utc + offset_minutes + 1440) % 1440,
        tz = CASE WHEN offset_minutes = 0 THEN 'UTC' ELSE printf('%s%02d:%02d',
            CASE WHEN offset_minutes < 0 THEN '-' ELSE '+' END,
            abs(offset_minutes) / 60, abs(offset_minutes) % 60) END;
    ALTER TABLE reminders DROP COLUMN minute_utc;
    ALTER TABLE reminders DROP COLUMN offset_minutes;

    ALTER TABLE rounds ADD COLUMN mode TEXT NOT NULL DEFAULT 'quiz';  -- quiz, review, ...
    UPDATE rounds SET mode = 'review' WHERE label = 'review';
    ALTER TABLE round_questions ADD COLUMN send_started_at TEXT;  -- a poll send under way
    ALTER TABLE round_questions ADD COLUMN voters INTEGER;  -- Telegram's count at close
    ALTER TABLE disputes ADD COLUMN reply TEXT;

    -- Every update fetched from Telegram (or POSTed by its webhook) and every due job, stored
    -- before Telegram is told it arrived; handled in order per key; kept 24 h once done.
    CREATE TABLE inbox (
        id          INTEGER PRIMARY KEY,
        update_id   INTEGER UNIQUE,               -- Telegram's; NULL for the bot's own work
        key         INTEGER NOT NULL,             -- whose turn: chat id (user id for votes)
        kind        TEXT    NOT NULL,             -- 'update' or a job kind
        payload     TEXT    NOT NULL,             -- JSON
        received_at TEXT    NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        done_at     TEXT
    );
    CREATE INDEX inbox_pending ON inbox(key, id) WHERE done_at IS NULL;
    CREATE INDEX inbox_done ON inbox(done_at) WHERE done_at IS NOT NULL;
    -- Which worker handles a key's inbox items now (one at a time across workers).
    CREATE TABLE inbox_leases (
        key   INTEGER PRIMARY KEY,
        owner TEXT    NOT NULL,
        until TEXT    NOT NULL
    );
    -- Timed work: when due, a job moves into the inbox (in one transaction: exactly once).
    CREATE TABLE jobs (
        name    TEXT    PRIMARY KEY,              -- 'poll-close:12:3', 'reminder:42', ...
        kind    TEXT    NOT NULL,
        key     INTEGER NOT NULL,
        run_at  TEXT    NOT NULL,
        payload TEXT    NOT NULL DEFAULT '{}'
    );
    CREATE INDEX jobs_due ON jobs(run_at);
    -- Named leases: the poller, worker heartbeats.
    CREATE TABLE leases (
        name  TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        until TEXT NOT NULL
    );
    CREATE TABLE chats (
        id           INTEGER PRIMARY KEY,
        kind         TEXT    NOT NULL,
        member_count INTEGER,                     -- getChatMemberCount, minus bots we know
        counted_at   TEXT,
        left_at      TEXT                         -- the bot was removed
    );
    -- Votes on a poll whose id was not stored yet (its sendPoll answer still on the way).
    CREATE TABLE early_votes (
        poll_id     TEXT    NOT NULL,
        user_id     INTEGER NOT NULL,
        name        TEXT    NOT NULL,
        option      INTEGER NOT NULL,
        received_at TEXT    NOT NULL,
        PRIMARY KEY (poll_id, user_id)
    ) WITHOUT ROWID;
    """,
    # 4: the bank keepers' dashboard (one-time login links, sessions), and social play
    #    (a daily quiz per group, challenges between friends, short codes for shared questions)
    """
    CREATE INDEX answers_answered_at ON answers(answered_at);
    CREATE INDEX answers_question ON answers(question_id);

    CREATE TABLE login_tokens (
        token_hash TEXT    PRIMARY KEY,             -- sha256 of the link's token
        user_id    INTEGER NOT NULL,
        expires_at TEXT    NOT NULL,
        used_at    TEXT
    );
    CREATE TABLE dashboard_sessions (
        session_hash TEXT    PRIMARY KEY,           -- sha256 of the cookie's value
        user_id      INTEGER NOT NULL,
        csrf         TEXT    NOT NULL,
        expires_at   TEXT    NOT NULL
    );

    CREATE TABLE daily_quizzes (
        chat_id      INTEGER PRIMARY KEY,
        local_minute INTEGER NOT NULL CHECK (local_minute BETWEEN 0 AND 1439),
        tz           TEXT    NOT NULL,
        size         INTEGER NOT NULL CHECK (size > 0),
        seconds      INTEGER NOT NULL CHECK (seconds > 0),
        created_by   INTEGER,
        created_at   TEXT    NOT NULL
    );
    CREATE TABLE challenges (
        token      TEXT    PRIMARY KEY,             -- in the link: 96 random bits
        owner_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        round_id   INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        score      INTEGER NOT NULL,
        total      INTEGER NOT NULL,
        time_ms    INTEGER NOT NULL,
        created_at TEXT    NOT NULL,
        expires_at TEXT    NOT NULL
    );
    CREATE INDEX challenges_owner ON challenges(owner_id, created_at);
    CREATE TABLE challenge_attempts (
        token      TEXT    NOT NULL REFERENCES challenges(token) ON DELETE CASCADE,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        round_id   INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        reported   INTEGER NOT NULL DEFAULT 0,      -- the head-to-head was sent
        PRIMARY KEY (token, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX challenge_attempts_round ON challenge_attempts(round_id);
    CREATE TABLE question_codes (
        code        TEXT PRIMARY KEY,               -- short, opaque: ids spell out answers
        question_id TEXT NOT NULL UNIQUE
    );
    """,
)


POSTGRES_MIGRATIONS: tuple[str, ...] = (
    # 1: users, rounds, answers, scoreboards, study cards, reminders, disputes
    """
    CREATE TABLE users (
        id              BIGINT  PRIMARY KEY,
        name            TEXT    NOT NULL,
        streak_current  INTEGER NOT NULL DEFAULT 0,
        streak_best     INTEGER NOT NULL DEFAULT 0,
        last_active_day TEXT,
        blocked         BOOLEAN NOT NULL DEFAULT FALSE,
        created_at      TIMESTAMPTZ NOT NULL,
        updated_at      TIMESTAMPTZ NOT NULL
    );

    CREATE TABLE rounds (
        id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        chat_id     BIGINT  NOT NULL,
        chat_kind   TEXT    NOT NULL CHECK (chat_kind IN ('private', 'group')),
        owner_id    BIGINT  REFERENCES users(id) ON DELETE SET NULL,
        state       TEXT    NOT NULL CHECK (state IN ('active', 'finished', 'stopped')),
        position    INTEGER NOT NULL DEFAULT 0,
        size        INTEGER NOT NULL CHECK (size > 0),
        open_period INTEGER,
        label       TEXT    NOT NULL DEFAULT '',
        created_at  TIMESTAMPTZ NOT NULL,
        updated_at  TIMESTAMPTZ NOT NULL
    );
    CREATE UNIQUE INDEX rounds_one_active_per_chat ON rounds(chat_id) WHERE state = 'active';
    CREATE INDEX rounds_owner ON rounds(owner_id);

    CREATE TABLE round_questions (
        round_id     BIGINT  NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        question_id  TEXT    NOT NULL,
        option_order TEXT    NOT NULL,
        asked_at     TIMESTAMPTZ,
        message_id   BIGINT,
        poll_id      TEXT,
        closes_at    TIMESTAMPTZ,
        closed       BOOLEAN NOT NULL DEFAULT FALSE,
        PRIMARY KEY (round_id, position)
    );
    CREATE UNIQUE INDEX round_questions_poll ON round_questions(poll_id)
        WHERE poll_id IS NOT NULL;

    CREATE TABLE answers (
        id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        round_id    BIGINT  NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        question_id TEXT    NOT NULL,
        user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        chat_id     BIGINT  NOT NULL,
        chosen      INTEGER NOT NULL,
        correct     BOOLEAN NOT NULL,
        elapsed_ms  INTEGER NOT NULL,
        answered_at TIMESTAMPTZ NOT NULL,
        week        TEXT    NOT NULL,
        UNIQUE (round_id, question_id, user_id)
    );
    CREATE INDEX answers_user ON answers(user_id, question_id);

    CREATE TABLE scores (
        board    TEXT    NOT NULL,
        user_id  BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        points   INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        time_ms  BIGINT  NOT NULL DEFAULT 0,
        PRIMARY KEY (board, user_id)
    );
    CREATE INDEX scores_board_order ON scores(board, points DESC, time_ms, user_id);
    CREATE INDEX scores_user ON scores(user_id);

    CREATE TABLE board_points (
        board  TEXT    NOT NULL,
        points INTEGER NOT NULL,
        users  INTEGER NOT NULL CHECK (users >= 0),
        PRIMARY KEY (board, points)
    );

    CREATE TABLE cards (
        user_id      BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        question_id  TEXT    NOT NULL,
        card         TEXT    NOT NULL,
        due          TIMESTAMPTZ NOT NULL,
        last_correct BOOLEAN NOT NULL,
        reviews      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, question_id)
    );
    CREATE INDEX cards_due ON cards(user_id, due);

    CREATE TABLE reminders (
        user_id        BIGINT  PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        chat_id        BIGINT  NOT NULL,
        minute_utc     INTEGER NOT NULL CHECK (minute_utc BETWEEN 0 AND 1439),
        offset_minutes INTEGER NOT NULL DEFAULT 0,
        last_sent_day  TEXT
    );

    CREATE TABLE disputes (
        id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        question_id TEXT    NOT NULL,
        user_id     BIGINT  REFERENCES users(id) ON DELETE SET NULL,
        text        TEXT    NOT NULL,
        created_at  TIMESTAMPTZ NOT NULL,
        resolved_at TIMESTAMPTZ,
        resolved_by BIGINT
    );
    CREATE INDEX disputes_open ON disputes(resolved_at, id);

    CREATE TABLE pending_inputs (
        user_id     BIGINT  PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        kind        TEXT    NOT NULL,
        question_id TEXT    NOT NULL,
        created_at  TIMESTAMPTZ NOT NULL
    );
    """,
    # 2: a round's answers by question
    """
    CREATE INDEX answers_round_position ON answers(round_id, position, elapsed_ms);
    """,
    # 3: as SQLite's migration 3. No PostgreSQL database predates it, so there are no old
    #    totals to recompute and no old reminders to convert.
    """
    CREATE TABLE awards (
        board       TEXT    NOT NULL,
        user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        question_id TEXT    NOT NULL,
        answer_id   BIGINT  NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
        PRIMARY KEY (board, user_id, question_id)
    );
    CREATE INDEX awards_user ON awards(user_id);
    CREATE INDEX awards_answer ON awards(answer_id);

    ALTER TABLE users ADD COLUMN tz TEXT;
    ALTER TABLE users ADD COLUMN daily_goal INTEGER NOT NULL DEFAULT 10;
    ALTER TABLE users ADD COLUMN goal_day TEXT;
    ALTER TABLE users ADD COLUMN goal_answers INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN reminder_offered BOOLEAN NOT NULL DEFAULT FALSE;

    ALTER TABLE reminders DROP COLUMN minute_utc;
    ALTER TABLE reminders DROP COLUMN offset_minutes;
    ALTER TABLE reminders ADD COLUMN local_minute INTEGER NOT NULL DEFAULT 0
        CHECK (local_minute BETWEEN 0 AND 1439);
    ALTER TABLE reminders ADD COLUMN tz TEXT NOT NULL DEFAULT 'UTC';

    ALTER TABLE rounds ADD COLUMN mode TEXT NOT NULL DEFAULT 'quiz';
    ALTER TABLE round_questions ADD COLUMN send_started_at TIMESTAMPTZ;
    ALTER TABLE round_questions ADD COLUMN voters INTEGER;
    ALTER TABLE disputes ADD COLUMN reply TEXT;

    CREATE TABLE inbox (
        id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        update_id   BIGINT  UNIQUE,
        key         BIGINT  NOT NULL,
        kind        TEXT    NOT NULL,
        payload     TEXT    NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        done_at     TIMESTAMPTZ
    );
    CREATE INDEX inbox_pending ON inbox(key, id) WHERE done_at IS NULL;
    CREATE INDEX inbox_done ON inbox(done_at) WHERE done_at IS NOT NULL;
    CREATE TABLE inbox_leases (
        key   BIGINT PRIMARY KEY,
        owner TEXT   NOT NULL,
        until TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE jobs (
        name    TEXT   PRIMARY KEY,
        kind    TEXT   NOT NULL,
        key     BIGINT NOT NULL,
        run_at  TIMESTAMPTZ NOT NULL,
        payload TEXT   NOT NULL DEFAULT '{}'
    );
    CREATE INDEX jobs_due ON jobs(run_at);
    CREATE TABLE leases (
        name  TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        until TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE chats (
        id           BIGINT  PRIMARY KEY,
        kind         TEXT    NOT NULL,
        member_count INTEGER,
        counted_at   TIMESTAMPTZ,
        left_at      TIMESTAMPTZ
    );
    CREATE TABLE early_votes (
        poll_id     TEXT    NOT NULL,
        user_id     BIGINT  NOT NULL,
        name        TEXT    NOT NULL,
        option      INTEGER NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (poll_id, user_id)
    );
    """,
    # 4: as SQLite's migration 4
    """
    CREATE INDEX answers_answered_at ON answers(answered_at);
    CREATE INDEX answers_question ON answers(question_id);

    CREATE TABLE login_tokens (
        token_hash TEXT   PRIMARY KEY,
        user_id    BIGINT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        used_at    TIMESTAMPTZ
    );
    CREATE TABLE dashboard_sessions (
        session_hash TEXT   PRIMARY KEY,
        user_id      BIGINT NOT NULL,
        csrf         TEXT   NOT NULL,
        expires_at   TIMESTAMPTZ NOT NULL
    );

    CREATE TABLE daily_quizzes (
        chat_id      BIGINT  PRIMARY KEY,
        local_minute INTEGER NOT NULL CHECK (local_minute BETWEEN 0 AND 1439),
        tz           TEXT    NOT NULL,
        size         INTEGER NOT NULL CHECK (size > 0),
        seconds      INTEGER NOT NULL CHECK (seconds > 0),
        created_by   BIGINT,
        created_at   TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE challenges (
        token      TEXT    PRIMARY KEY,
        owner_id   BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        round_id   BIGINT  NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        score      INTEGER NOT NULL,
        total      INTEGER NOT NULL,
        time_ms    BIGINT  NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX challenges_owner ON challenges(owner_id, created_at);
    CREATE TABLE challenge_attempts (
        token      TEXT    NOT NULL REFERENCES challenges(token) ON DELETE CASCADE,
        user_id    BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        round_id   BIGINT  NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        reported   BOOLEAN NOT NULL DEFAULT FALSE,
        PRIMARY KEY (token, user_id)
    );
    CREATE INDEX challenge_attempts_round ON challenge_attempts(round_id);
    CREATE TABLE question_codes (
        code        TEXT PRIMARY KEY,
        question_id TEXT NOT NULL UNIQUE
    );
    """,
)

SCHEMA_VERSION = len(SQLITE_MIGRATIONS)
assert len(POSTGRES_MIGRATIONS) == SCHEMA_VERSION  # noqa: S101 - one change, two dialects
