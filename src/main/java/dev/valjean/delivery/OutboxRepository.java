package dev.valjean.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import dev.valjean.common.Sql;
import io.quarkus.logging.Log;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The outbox's set-based statements: insert, claim under a lease with FOR UPDATE SKIP LOCKED,
 * return expired leases to the queue, and record a whole batch's results in one UPDATE.
 */
@ApplicationScoped
public class OutboxRepository {

    /** A row claimed for sending, with what is needed to build the message. */
    public record Claimed(long id, Purpose purpose, String basisType, Long basisId, long contactId, String email,
            String name, String sender, String subject, String bodyText, String bodyHtml, String listId,
            String unsubscribeUrl, int attempts, String messageId, String contentRef) {

        public ConsentGate.Candidate candidate() {
            return new ConsentGate.Candidate(id, purpose, basisType, basisId, contactId);
        }
    }

    /**
     * The result of one claimed row. {@code attempted} is false when nothing reached the relay
     * (released at shutdown, or this instance could not compose it): the attempt is given back.
     */
    public record Outcome(long id, OutboxStatus status, String reason, String reply, Instant nextAttemptAt,
            Instant sentAt, boolean attempted) {

        public Outcome(long id, OutboxStatus status, String reason, String reply, Instant nextAttemptAt, Instant sentAt) {
            this(id, status, reason, reply, nextAttemptAt, sentAt, true);
        }
    }

    private final DataSource dataSource;
    private final Sql sql;

    public OutboxRepository(DataSource dataSource, Sql sql) {
        this.dataSource = dataSource;
        this.sql = sql;
    }

    /** One new row; a used idempotency key inserts nothing. */
    private static final String INSERT_ONE = """
            INSERT INTO outbox (idempotency_key, purpose, basis_type, basis_id, contact_id, sender, subject,
                body_text, body_html, list_id, unsubscribe_url, status, status_reason, next_attempt_at,
                created_at, updated_at)
            VALUES (?, ?, ?, ?::bigint, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING""";

    /**
     * Inserts a new row; empty when the idempotency key exists already. Its Message-ID is not
     * stored: the row's id gives it ({@link MessageIds}).
     */
    Optional<Long> insert(OutboxRequest r, String listIdHeader, OutboxStatus status, String reason, Instant now) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(INSERT_ONE + " RETURNING id")) {
            OffsetDateTime at = utc(now);
            s.setString(1, r.idempotencyKey());
            s.setString(2, r.purpose().name());
            s.setString(3, r.basisType());
            if (r.basisId() == null) {
                s.setNull(4, Types.BIGINT);
            } else {
                s.setLong(4, r.basisId());
            }
            s.setLong(5, r.contactId());
            s.setString(6, r.sender());
            s.setString(7, r.subject());
            s.setString(8, r.bodyText());
            s.setString(9, r.bodyHtml());
            s.setString(10, listIdHeader);
            s.setString(11, r.unsubscribeUrl());
            s.setString(12, status.name());
            s.setString(13, reason);
            s.setObject(14, at);
            s.setObject(15, at);
            s.setObject(16, at);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not insert into the outbox", e);
        }
    }

    /**
     * {@link #insert}, sent in front of the transaction's next statement ({@link Sql#updateLater}):
     * no round trip of its own where one follows. Nothing comes back, so a used idempotency key
     * inserts nothing, silently; only for a key no earlier row can hold.
     */
    void insertLater(OutboxRequest r, String listIdHeader, OutboxStatus status, String reason, Instant now) {
        sql.updateLater(INSERT_ONE, r.idempotencyKey(), r.purpose(), r.basisType(), r.basisId(), r.contactId(), r.sender(), r.subject(),
                r.bodyText(), r.bodyHtml(), listIdHeader, r.unsubscribeUrl(), status, reason, now, now, now);
    }

    /**
     * One INSERT … SELECT for a fan-out: a row per {@code (basis_id, contact_id)} of the source
     * query whose contact is not erased and not suppressed for any of the {@code blocking} reasons.
     * The rows have no key, and no sender or List-Id (the content's, at send time); a subscription
     * already queued for the content fails the statement (OutboxService#enqueueAll).
     */
    int insertAll(OutboxService.Fanout f, String[] blocking, Instant now, String source, Object... params) {
        Object[] all = new Object[params.length + 7];
        Object[] head = { f.purpose(), f.basisType(), f.contentRef(), now, now, now };
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(params, 0, all, head.length, params.length);
        all[head.length + params.length] = blocking;
        return sql.update("""
                INSERT INTO outbox (purpose, basis_type, basis_id, contact_id, content_ref, status, next_attempt_at, created_at, updated_at)
                SELECT ?, ?, r.basis_id, r.contact_id, ?, 'QUEUED', ?, ?, ?
                FROM (SELECT src.basis_id, src.contact_id FROM (""" + source + """
                      ) src CROSS JOIN LATERAL (
                          -- each contact by its key: left to itself, the planner scanned every contact to hash them, for each part of a fan-out
                          SELECT c.email_hash FROM contact c WHERE c.id = src.contact_id AND c.erased_at IS NULL AND c.email_normalized IS NOT NULL
                          OFFSET 0) c
                      WHERE NOT EXISTS (SELECT 1 FROM suppression p WHERE p.email_hash = c.email_hash AND p.reason = ANY(?))) r""", all);
    }

    /**
     * Puts rows whose lease ran out (their instance died or hung) back in the queue. Leases are
     * judged by the database's clock, so instances whose clocks disagree still agree on them.
     */
    public int requeueExpiredLeases(Instant now) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("""
                        WITH expired AS (
                            DELETE FROM outbox_lease WHERE until < clock_timestamp() AND result IS NULL RETURNING outbox_id, owner)
                        UPDATE outbox o SET status_reason = 'lease of ' || e.owner || ' expired', attempts = o.attempts + 1,
                            next_attempt_at = ?, updated_at = ?
                        FROM expired e WHERE o.id = e.outbox_id""")) {
            OffsetDateTime at = utc(now);
            s.setObject(1, at);
            s.setObject(2, at);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not requeue expired leases", e);
        }
    }

    /**
     * Put in front of the claim and of the recording, in the same round trip (as Sql.GENERIC_PLANS): every
     * table by its key. The lease table holds only the messages in flight and churns, so its statistics are
     * rarely right: on a small estimate the planner scanned all of it, dead rows included, for each batch.
     */
    static final String BY_KEY_SETTING = "set_config('enable_seqscan', 'off', true)";

    static final String BY_KEY = "SELECT " + BY_KEY_SETTING;

    /**
     * Due rows, leased in one statement: the oldest rows outside an issue first (confirmations, nurture,
     * transactional mail: someone waits for them), then the oldest rows of issues for the rest of the
     * batch, none when their limit is 0 (DECISIONS 34). Parameters: now, limit, now, the issue rows' limit (the
     * limit, or 0 to claim none), limit, owner, lease in ms.
     */
    static final String CLAIM = """
            WITH prompt AS (
                SELECT id FROM outbox o
                WHERE status = 'QUEUED' AND purpose <> 'NEWSLETTER' AND next_attempt_at <= ?
                  -- each row's lease by its key (OFFSET 0 keeps the probe from becoming a join over every lease)
                  AND NOT EXISTS (SELECT 1 FROM outbox_lease l WHERE l.outbox_id = o.id OFFSET 0)
                ORDER BY next_attempt_at, id
                LIMIT ?
                FOR UPDATE SKIP LOCKED),
            -- Its limit a parameter, so that the planner knows it: with the batch's remainder computed here, it guessed a
            -- tenth of the queue, costed a claim in the millions, and PostgreSQL's JIT compiled each one for 0.7 s.
            bulk AS (
                SELECT id FROM outbox o
                WHERE status = 'QUEUED' AND purpose = 'NEWSLETTER' AND next_attempt_at <= ?
                  AND NOT EXISTS (SELECT 1 FROM outbox_lease l WHERE l.outbox_id = o.id OFFSET 0)
                ORDER BY next_attempt_at, id
                LIMIT ?
                FOR UPDATE SKIP LOCKED),
            -- Only the batch's remainder of bulk is leased; and as a WITH query runs only as far as its reader reads
            -- (PostgreSQL's documentation of WITH), no further row of it is locked.
            due AS (SELECT id FROM prompt UNION ALL (SELECT id FROM bulk LIMIT GREATEST(? - (SELECT count(*) FROM prompt), 0))),
            -- A claimer whose snapshot predates another's committed claim may find that claim's rows unleased
            -- and, their locks released, lock them too: the lease's key settles it, the second claimer skips them.
            leased AS (
                INSERT INTO outbox_lease (outbox_id, owner, until)
                SELECT id, ?, clock_timestamp() + ? * interval '1 millisecond' FROM due
                ON CONFLICT (outbox_id) DO NOTHING
                RETURNING outbox_id)
            -- Each row and each contact by its key, whatever the statistics say: joined to the batch, the plan a
            -- prepared statement settles on (which guesses a tenth of the queue for the limit) merge-joined every
            -- contact up to the queue's position, or hashed the whole outbox, so each claim took longer than the
            -- one before. No contact (no foreign key, DECISIONS 23): the gate refuses the message.
            -- The attempt is counted with its result (RECORD) or when its lease runs out. The contact's two columns in
            -- one look-up (OFFSET 0 keeps it a look-up by key, not a join): one a column cost a fifth more.
            SELECT o.id, o.purpose, o.basis_type, o.basis_id, o.contact_id, c.email, c.name,
                o.sender, o.subject, o.body_text, o.body_html, o.list_id, o.unsubscribe_url, o.attempts + 1, o.message_id, o.content_ref
            FROM outbox o LEFT JOIN LATERAL (SELECT c.email, c.name FROM contact c WHERE c.id = o.contact_id OFFSET 0) c ON true
            WHERE o.id = ANY(ARRAY(SELECT outbox_id FROM leased))""";

    /**
     * In front of the claim, in the same round trip: every table by its key (BY_KEY), and a limit on how long
     * the claim waits for a lock. Only the race CLAIM's comment describes makes it wait: its lease waits for
     * another transaction that holds a lease on the same row, and when that transaction is the other
     * claimer's recording of the row, the recording waits for this claim's row lock in turn. PostgreSQL would
     * find that deadlock only after deadlock_timeout (a second) and hold the recording as long.
     * <p>
     * And no bitmap scans, so the due rows are found only by walking their index in order. With statistics
     * taken while the outbox was empty (before a new deployment's first large fan-out), the planner expected
     * a few dozen due rows. It then fetched every queued row by bitmap and sorted them all for each batch:
     * 0.3–1.2 s a claim with a million queued, until the next ANALYZE (issue 15).
     */
    static final String CLAIM_SETTINGS = BY_KEY + ", set_config('enable_bitmapscan', 'off', true), set_config('lock_timeout', '100ms', true)"
            + ", set_config('jit', 'off', true)";

    /**
     * Claims up to {@code limit} due rows for {@code owner} for {@code lease} (from the database's
     * clock). Concurrent claimers skip each other's locked rows, so no row is claimed twice. A claim
     * that meets the race in CLAIM's comment is tried once more, with a new snapshot that sees the
     * other claim; a second loss claims nothing, and the next batch tries again.
     */
    public List<Claimed> claim(String owner, Instant now, Duration lease, int limit) {
        return claim(owner, now, lease, limit, true);
    }

    /**
     * {@link #claim(String, Instant, Duration, int)}, leaving every issue's rows in the queue unless
     * {@code bulk}: while this instance fans out an issue, only mail outside issues is claimed
     * (DECISIONS 34).
     */
    public List<Claimed> claim(String owner, Instant now, Duration lease, int limit, boolean bulk) {
        for (int attempt = 1;; attempt++) {
            try {
                return claimOnce(owner, now, lease, limit, bulk);
            } catch (SQLException e) {
                boolean raced = "55P03".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
                if (!raced) {
                    throw new IllegalStateException("Could not claim outbox rows", e);
                }
                if (attempt == 2) {
                    Log.infof("%s: a claim met another transaction's lease on a row it had locked, twice; nothing claimed", owner);
                    return List.of();
                }
            }
        }
    }

    private List<Claimed> claimOnce(String owner, Instant now, Duration lease, int limit, boolean bulk) throws SQLException {
        List<Claimed> claimed = new ArrayList<>(limit);
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(CLAIM_SETTINGS + ";\n" + CLAIM)) {
            s.setObject(1, utc(now));
            s.setInt(2, limit);
            s.setObject(3, utc(now));
            s.setInt(4, bulk ? limit : 0);
            s.setInt(5, limit);
            s.setString(6, owner);
            s.setLong(7, lease.toMillis());
            s.execute(); // the settings' row, then the claimed rows
            s.getMoreResults();
            try (ResultSet rs = s.getResultSet()) {
                while (rs.next()) {
                    long basisId = rs.getLong(4);
                    claimed.add(new Claimed(rs.getLong(1), Purpose.valueOf(rs.getString(2)), rs.getString(3),
                            rs.wasNull() ? null : basisId, rs.getLong(5), rs.getString(6), rs.getString(7),
                            rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12),
                            rs.getString(13), rs.getInt(14), rs.getString(15), rs.getString(16)));
                }
            }
        }
        return claimed;
    }

    /**
     * One row as the dispatcher would claim it, without claiming it: what a person's page shows
     * as the message they received (or would have). Empty when the row is not this contact's.
     */
    public Optional<Claimed> peek(long id, long contactId) {
        return sql.rows("""
                SELECT o.id, o.purpose, o.basis_type, o.basis_id, o.contact_id, ct.email, ct.name, o.sender, o.subject, o.body_text,
                    o.body_html, o.list_id, o.unsubscribe_url, o.attempts, o.message_id, o.content_ref
                FROM outbox o JOIN contact ct ON ct.id = o.contact_id WHERE o.id = ? AND o.contact_id = ?""", id, contactId).stream()
                .findFirst().map(r -> new Claimed(((Number) r.get("id")).longValue(), Purpose.valueOf((String) r.get("purpose")),
                        (String) r.get("basis_type"), r.get("basis_id") == null ? null : ((Number) r.get("basis_id")).longValue(),
                        ((Number) r.get("contact_id")).longValue(), (String) r.get("email"), (String) r.get("name"), (String) r.get("sender"),
                        (String) r.get("subject"), (String) r.get("body_text"), (String) r.get("body_html"), (String) r.get("list_id"),
                        (String) r.get("unsubscribe_url"), ((Number) r.get("attempts")).intValue(), (String) r.get("message_id"),
                        (String) r.get("content_ref")));
    }

    /**
     * Extends {@code owner}'s lease on rows still being submitted; returns how many it still holds.
     */
    public int renew(String owner, List<Long> ids, Duration lease) {
        if (ids.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("""
                        UPDATE outbox_lease SET until = clock_timestamp() + ? * interval '1 millisecond'
                        WHERE outbox_id = ANY(?) AND owner = ? AND result IS NULL""")) {
            s.setLong(1, lease.toMillis());
            s.setArray(2, c.createArrayOf("bigint", ids.toArray()));
            s.setString(3, owner);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not renew the lease", e);
        }
    }

    /**
     * Records outcomes in one statement. Only rows still leased by {@code owner} change:
     * a row whose lease was lost to another instance keeps that instance's result.
     *
     * @return the number of rows updated
     */
    public int record(String owner, List<Outcome> outcomes, Instant now) {
        if (outcomes.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection()) {
            return record(c, owner, outcomes, now);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not record outbox results", e);
        }
    }

    /** {@link #record} on the given connection (a test looks at the plans it leaves there). */
    static int record(Connection c, String owner, List<Outcome> outcomes, Instant now) throws SQLException {
        Columns v = new Columns(outcomes);
        // A relay's synchronous "this mailbox does not exist" (5.1.x) suppresses the address in the same
        // statement that records it, so no crash can separate the two; the common batch stays one plain UPDATE.
        boolean hardBounces = suppressesAny(outcomes);
        // By key (BY_KEY) and on its generic plan, in the same round trip (Sql.GENERIC_PLANS): planned for the values of each batch, a
        // small batch looks cheaper than the kept plan, and the planning took as long as the update (issue 15).
        String sql = Sql.GENERIC_PLANS + ", " + BY_KEY_SETTING + ";\n" + RECORD_ENDED + (hardBounces ? ",\nrec AS (" + RECORD_UPDATE + """
                 RETURNING o.contact_id, o.status, o.status_reason, o.last_reply),
                hard AS (
                    INSERT INTO suppression (email_hash, reason, detail, created_at)
                    SELECT c.email_hash, 'HARD_BOUNCE', 'relay: ' || left(rec.last_reply, 200), ? FROM rec JOIN contact c ON c.id = rec.contact_id
                    WHERE rec.status = 'FAILED' AND rec.status_reason = 'REJECTED' AND rec.last_reply ~ '^5[0-9][0-9][ -]5[.]1[.][0-9]'
                      AND c.email_hash IS NOT NULL
                    ON CONFLICT (email_hash, reason) DO NOTHING)
                SELECT count(*) FROM rec""" : "\n" + RECORD_UPDATE);
        try (PreparedStatement s = c.prepareStatement(sql)) {
            v.bind(c, s);
            s.setString(8, owner);
            s.setObject(9, utc(now));
            if (hardBounces) {
                s.setObject(10, utc(now));
            }
            s.execute(); // the plan setting's row, then the recording's count
            if (!s.getMoreResults()) {
                return s.getUpdateCount();
            }
            try (ResultSet rs = s.getResultSet()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Writes outcomes onto their rows' leases (DECISIONS 39): a HOT update of each lease row, one index and no
     * rewrite of the outbox. Only leases {@code owner} still holds, without a result, take one. The rows keep
     * their leases, so no claim takes them, until {@link #moveResults} moves the results into the outbox.
     * Outcomes that suppress an address (a relay's 5.1.x) go through {@link #record} instead, where the
     * suppression is written in the same statement.
     *
     * @return the number of leases that took a result
     */
    public int recordOnLease(String owner, List<Outcome> outcomes, Instant now) {
        if (outcomes.isEmpty()) {
            return 0;
        }
        if (suppressesAny(outcomes)) {
            return record(owner, outcomes, now);
        }
        try (Connection c = dataSource.getConnection()) {
            return recordOnLease(c, owner, outcomes, now);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not record outbox results", e);
        }
    }

    static int recordOnLease(Connection c, String owner, List<Outcome> outcomes, Instant now) throws SQLException {
        Columns v = new Columns(outcomes);
        try (PreparedStatement s = c.prepareStatement(Sql.GENERIC_PLANS + ", " + BY_KEY_SETTING + ";\n" + RECORD_ON_LEASE)) {
            v.bind(c, s);
            s.setObject(8, utc(now));
            s.setString(9, owner);
            s.execute(); // the settings' row, then the count
            s.getMoreResults();
            return s.getUpdateCount();
        }
    }

    /** Each outcome as a row (parameters 1 to 7, the arrays of {@link Columns}), its times typed. */
    private static final String RESULTS = """
            SELECT id, status AS result, reason, reply, next_at::timestamptz AS next_at, sent_at::timestamptz AS sent_at, refund
                FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[])
                    AS v(id, status, reason, reply, next_at, sent_at, refund)""";

    static final String RECORD_ON_LEASE = "WITH v AS (" + RESULTS + """
            )
            UPDATE outbox_lease l
            SET result = v.result, reason = v.reason, reply = v.reply, next_at = v.next_at, sent_at = v.sent_at, refund = v.refund,
                recorded_at = ?
            FROM v WHERE l.outbox_id = v.id AND l.owner = ? AND l.result IS NULL""";

    /**
     * Moves the results written onto the leases of {@code ids} into their outbox rows, ending those leases, in
     * one statement; a lease still in flight, or one moved already, is left alone.
     *
     * @return the number of rows that took their result
     */
    public int moveResults(List<Long> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(Sql.GENERIC_PLANS + ", " + BY_KEY_SETTING + ";\n" + MOVE_BATCH)) {
            s.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            s.execute();
            s.getMoreResults();
            return s.getUpdateCount();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not move outbox results", e);
        }
    }

    /**
     * Moves every result still on a lease into its outbox row: those of a loop that stopped between the two
     * steps (its instance killed, or the database gone for a moment).
     */
    public int moveAllResults() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(MOVE_ALL)) {
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not move outbox results", e);
        }
    }

    // The leases end and their rows, each by its key, take their results (applyResult).
    private static final String MOVE_RESULTS = """
            WITH ended AS (
                DELETE FROM outbox_lease l WHERE %s
                RETURNING l.outbox_id, l.result, l.reason, l.reply, l.next_at, l.sent_at, l.refund, l.recorded_at)
            UPDATE outbox o
            """ + applyResult("e", "e.recorded_at") + """
            FROM ended e WHERE o.id = e.outbox_id""";

    /**
     * A batch's own results: each lease by its key, deleted without locking it first. A lease the look for leftovers
     * ({@link #MOVE_ALL}) is moving is waited for and then found gone; one it let go is moved here. That look skips
     * what it finds locked and so never waits in turn, and each statement updates only the rows of the leases it
     * deleted: no cycle of waits. A separate row lock (FOR UPDATE SKIP LOCKED) cost a WAL record and a tenth of the
     * statement per message (issue 15).
     */
    static final String MOVE_BATCH = MOVE_RESULTS.formatted("l.outbox_id = ANY(?) AND l.result IS NOT NULL");

    /** Every result left on a lease; leases another statement is moving are skipped, not waited for. */
    static final String MOVE_ALL = MOVE_RESULTS.formatted("""
            l.outbox_id IN (SELECT outbox_id FROM outbox_lease WHERE result IS NOT NULL FOR UPDATE SKIP LOCKED)""");

    /** Outcomes as the arrays the recording statements unnest (parameters 1 to 7). */
    private static final class Columns {
        final Long[] ids;
        final String[] statuses, reasons, replies, nextAttempts, sentAts;
        final Integer[] refunds;

        Columns(List<Outcome> outcomes) {
            int n = outcomes.size();
            ids = new Long[n];
            statuses = new String[n];
            reasons = new String[n];
            replies = new String[n];
            nextAttempts = new String[n];
            sentAts = new String[n];
            refunds = new Integer[n];
            for (int i = 0; i < n; i++) {
                Outcome o = outcomes.get(i);
                ids[i] = o.id();
                statuses[i] = o.status().name();
                reasons[i] = o.reason();
                replies[i] = o.reply();
                nextAttempts[i] = o.nextAttemptAt() == null ? null : o.nextAttemptAt().toString();
                sentAts[i] = o.sentAt() == null ? null : o.sentAt().toString();
                refunds[i] = o.attempted() ? 0 : 1;
            }
        }

        void bind(Connection c, PreparedStatement s) throws SQLException {
            s.setArray(1, c.createArrayOf("bigint", ids));
            s.setArray(2, c.createArrayOf("text", statuses));
            s.setArray(3, c.createArrayOf("text", reasons));
            s.setArray(4, c.createArrayOf("text", replies));
            s.setArray(5, c.createArrayOf("text", nextAttempts));
            s.setArray(6, c.createArrayOf("text", sentAts));
            s.setArray(7, c.createArrayOf("integer", refunds));
        }
    }

    // The owner's leases on the batch's rows end, and those rows, each by its key, take their results (applyResult).
    static final String RECORD_ENDED = "WITH v AS (" + RESULTS + """
            ),
            ended AS (
                DELETE FROM outbox_lease l USING v WHERE l.outbox_id = v.id AND l.owner = ? RETURNING l.outbox_id)""";

    static final String RECORD_UPDATE = """
            UPDATE outbox o
            """ + applyResult("v", "?") + """
            FROM ended JOIN v ON v.id = ended.outbox_id
            WHERE o.id = ended.outbox_id""";

    /**
     * How a result changes its outbox row, from {@code src}'s columns (result, reason, reply, next_at, sent_at, refund),
     * whether it is recorded there at once or moved from its lease. A row paused or erased while its message was in flight
     * takes a final result but stays paused or skipped rather than return to the queue for a retry.
     */
    private static String applyResult(String src, String updatedAt) {
        return """
                SET status = CASE WHEN %1$s.result = 'QUEUED' AND o.status <> 'QUEUED' THEN o.status ELSE %1$s.result END,
                    status_reason = %1$s.reason, last_reply = COALESCE(%1$s.reply, o.last_reply),
                    next_attempt_at = COALESCE(%1$s.next_at, o.next_attempt_at),
                    sent_at = %1$s.sent_at, attempts = o.attempts + 1 - %1$s.refund, updated_at = %2$s
                """.formatted(src, updatedAt);
    }

    /** Whether any outcome is a refusal that puts its address on the suppression list ({@link #isHardBounce}). */
    private static boolean suppressesAny(List<Outcome> outcomes) {
        return outcomes.stream().anyMatch(o -> o.status() == OutboxStatus.FAILED && "REJECTED".equals(o.reason()) && isHardBounce(o.reply()));
    }

    /** A reply that says the mailbox or its domain does not exist: enhanced status 5.1.x (RFC 3463), e.g. "550 5.1.1". */
    static boolean isHardBounce(String reply) {
        return reply != null && reply.matches("(?s)^5\\d\\d[ -]5\\.1\\.\\d.*");
    }

    /** The outbox right now, for the operations page. */
    public record Now(long queued, long retrying, long sending, long sentLast5Minutes, long sentLastHour, List<Count> failedLastDay,
            List<Failure> recentFailures, List<Failure> retries) {
    }

    public record Count(String reason, long count) {
    }

    /** One failed or retrying message with the relay's last reply. */
    public record Failure(long id, String purpose, String reason, String reply, int attempts, Instant at) {
    }

    /**
     * Each figure from an index: queued and sending from their partial indexes, sent from the
     * partial index on sent_at, failures within the last three days of created_at (a message fails
     * within its retry window, well under that).
     */
    public Now now(Instant now) {
        Map<String, Object> counts = sql.rows("""
                SELECT (SELECT count(*) FROM outbox WHERE status = 'QUEUED') - (""" + LEASED_QUEUED + """
                       ) AS queued,
                       (SELECT count(*) FROM outbox o WHERE status = 'QUEUED' AND attempts > 0 AND NOT EXISTS (""" + LEASE_OF_O + """
                       )) AS retrying,
                       (SELECT count(*) FROM outbox_lease) AS sending,
                       (SELECT count(*) FROM outbox WHERE status = 'SENT' AND sent_at > ?::timestamptz - interval '5 minutes') AS five,
                       (SELECT count(*) FROM outbox WHERE status = 'SENT' AND sent_at > ?::timestamptz - interval '1 hour') AS hour""",
                now, now).get(0);
        List<Count> failed = sql.rows("""
                SELECT COALESCE(status_reason, 'UNKNOWN') AS reason, count(*) AS n FROM outbox
                WHERE status = 'FAILED' AND created_at > ?::timestamptz - interval '3 days' AND updated_at > ?::timestamptz - interval '1 day'
                GROUP BY 1 ORDER BY 2 DESC, 1""", now, now).stream()
                .map(r -> new Count((String) r.get("reason"), ((Number) r.get("n")).longValue())).toList();
        List<Failure> recent = failures(sql.rows("""
                SELECT id, purpose, status_reason, last_reply, attempts, updated_at FROM outbox
                WHERE status = 'FAILED' AND created_at > ?::timestamptz - interval '3 days'
                ORDER BY updated_at DESC LIMIT 20""", now));
        List<Failure> retries = failures(sql.rows("""
                SELECT id, purpose, status_reason, last_reply, attempts, next_attempt_at AS updated_at FROM outbox o
                WHERE status = 'QUEUED' AND attempts > 0 AND NOT EXISTS (""" + LEASE_OF_O + """
                ) ORDER BY next_attempt_at, id LIMIT 20"""));
        return new Now(n(counts, "queued"), n(counts, "retrying"), n(counts, "sending"), n(counts, "five"), n(counts, "hour"), failed,
                recent, retries);
    }

    private static List<Failure> failures(List<Map<String, Object>> rows) {
        return rows.stream().map(r -> new Failure(((Number) r.get("id")).longValue(), (String) r.get("purpose"),
                (String) r.get("status_reason"), (String) r.get("last_reply"), ((Number) r.get("attempts")).intValue(),
                (Instant) r.get("updated_at"))).toList();
    }

    private static long n(Map<String, Object> row, String column) {
        return ((Number) row.get(column)).longValue();
    }

    /**
     * Waits, in the caller's transaction, for the claims under way on the outbox rows matching
     * {@code where}, and keeps new claims off them until it ends. A claim locks its rows FOR UPDATE
     * while it inserts their leases and leaves them unchanged, so a later statement that skips leased
     * rows would otherwise judge them by a snapshot taken before the claim committed. KEY SHARE does
     * not hold up a result being recorded (NO KEY UPDATE).
     */
    public static void untilClaimed(Sql sql, String where, Object... params) {
        // Only a queued row can be under a claim: the due index then bounds the look-up however large the outbox.
        sql.rows("SELECT id FROM outbox WHERE status = 'QUEUED' AND (" + where + ") FOR KEY SHARE", params);
    }

    /** Leased rows (being sent) that are QUEUED: the queue's count less these is what waits. */
    static final String LEASED_QUEUED = "SELECT count(*) FROM outbox_lease l WHERE EXISTS ("
            + "SELECT 1 FROM outbox q WHERE q.id = l.outbox_id AND q.status = 'QUEUED' OFFSET 0)";

    /** The lease of the outbox row {@code o}, if it is being sent. */
    public static final String LEASE_OF_O = "SELECT 1 FROM outbox_lease l WHERE l.outbox_id = o.id";

    /** Messages waiting and messages being sent (leased), for the gauges. */
    public record Active(long queued, long sending) {
    }

    public Active activeCounts() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT (SELECT count(*) FROM outbox WHERE status = 'QUEUED') - (" + LEASED_QUEUED
                        + "), (SELECT count(*) FROM outbox_lease)");
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return new Active(rs.getLong(1), rs.getLong(2));
        } catch (SQLException e) {
            throw new IllegalStateException("Could not count the outbox", e);
        }
    }

    static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
