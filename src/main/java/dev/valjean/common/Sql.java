package dev.valjean.common;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * Plain SQL for set-based statements, on the connection of the current transaction. Parameters
 * are bound positionally: null, String, Number, Boolean, Instant, enums (by name), String[]
 * (as text[]) and collections of Long (as bigint[]).
 */
@ApplicationScoped
public class Sql {

    private final DataSource dataSource;
    private final TransactionSynchronizationRegistry registry;

    public Sql(DataSource dataSource, TransactionSynchronizationRegistry registry) {
        this.dataSource = dataSource;
        this.registry = registry;
    }

    /**
     * For the rest of the current transaction, statements run on the generic plan their prepared
     * statement keeps instead of being planned again on every execution, which PostgreSQL does
     * whenever the plan for the given values looks cheaper, as it nearly always does for a look-up
     * by key; planning an insert into a table with many indexes costs about as much as running it
     * (docs/BENCHMARKS.md, issue 15). Only for transactions whose every statement goes by key: where
     * the best plan depends on the values (a rare status, a date range) a generic plan can be far
     * worse. Must run inside a transaction. Costs no round trip of its own: the setting goes in
     * front of the transaction's next statement run here, in the same round trip (see
     * {@link #GENERIC_PLANS}); statements run elsewhere before it (Hibernate's) keep the default.
     */
    public void genericPlansForThisTransaction() {
        if (registry.getTransactionKey() == null) {
            throw new IllegalStateException("generic plans are set for a transaction, and there is none");
        }
        registry.putResource(GENERIC_PLANS_PENDING, Boolean.TRUE);
    }

    /** Whether this statement carries the generic-plans setting asked for its transaction; taken once. */
    private boolean takeGenericPlans() {
        if (registry.getTransactionKey() == null || !Boolean.TRUE.equals(registry.getResource(GENERIC_PLANS_PENDING))) {
            return false;
        }
        registry.putResource(GENERIC_PLANS_PENDING, Boolean.FALSE);
        return true;
    }

    private static final Object GENERIC_PLANS_PENDING = new Object();

    /**
     * {@link #genericPlansForThisTransaction} as a statement to put in front of another, separated by
     * a semicolon, for a statement that runs on its own: the driver sends both in one round trip,
     * and PostgreSQL runs everything before the round trip's end in one transaction, so the setting
     * holds for that statement alone. The caller reads the statement's result as the second one.
     */
    public static final String GENERIC_PLANS = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)";

    /**
     * A write whose result nobody reads, sent in front of the current transaction's next statement
     * run here, in that statement's round trip (the driver sends the statements as one string, and
     * PostgreSQL runs them in order); when no statement follows, it is sent on its own before the
     * commit. So it costs no round trip of its own where another statement follows. A failure of it
     * fails the statement it rides with, or the commit, and so the whole transaction, as it would
     * have on its own. Must run inside a transaction, and contain no semicolon of its own.
     */
    public void updateLater(String sql, Object... params) {
        if (registry.getTransactionKey() == null) {
            throw new IllegalStateException("a write is held for a transaction's next statement, and there is none");
        }
        if (sql.indexOf(';') >= 0) {
            throw new IllegalArgumentException("a write sent with another statement cannot contain a semicolon");
        }
        @SuppressWarnings("unchecked")
        List<Query> held = (List<Query>) registry.getResource(HELD_WRITES);
        if (held == null) {
            held = new ArrayList<>();
            registry.putResource(HELD_WRITES, held);
            // Before Hibernate's flush or after it: the held writes touch only tables written through this class.
            registry.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    sendHeld();
                }

                @Override
                public void afterCompletion(int status) {
                }
            });
        }
        held.add(new Query(sql, params));
    }

    private static final Object HELD_WRITES = new Object();

    /** What goes in front of this statement: the generic-plans setting and the held writes, each once. */
    private List<Query> takePrefix() {
        if (registry.getTransactionKey() == null) {
            return List.of();
        }
        List<Query> prefix = new ArrayList<>(2);
        if (takeGenericPlans()) {
            prefix.add(new Query(GENERIC_PLANS));
        }
        prefix.addAll(takeHeld());
        return prefix;
    }

    /** Sends the held writes, if any, in one round trip of their own (no statement followed them). */
    private void sendHeld() {
        List<Query> held = takeHeld();
        if (held.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = prepare(c, List.of(), held)) {
            s.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(describe(e), e);
        }
    }

    /** The held writes, taken: whoever takes them sends them. */
    private List<Query> takeHeld() {
        @SuppressWarnings("unchecked")
        List<Query> held = (List<Query>) registry.getResource(HELD_WRITES);
        if (held == null || held.isEmpty()) {
            return List.of();
        }
        List<Query> taken = new ArrayList<>(held);
        held.clear();
        return taken;
    }

    /** Runs an INSERT, UPDATE or DELETE; the number of rows it touched. */
    public int update(String sql, Object... params) {
        List<Query> prefix = takePrefix();
        Query statement = new Query(sql, params);
        try (Connection c = dataSource.getConnection(); PreparedStatement s = prepare(c, prefix, List.of(statement))) {
            if (prefix.isEmpty()) {
                return s.executeUpdate();
            }
            s.execute();
            skip(s, prefix.size());
            return s.getUpdateCount();
        } catch (SQLException e) {
            throw new IllegalStateException(describe(e), e);
        }
    }

    /** The rows a query returns, each as column label to value (timestamps as Instant). */
    public List<Map<String, Object>> rows(String sql, Object... params) {
        return all(List.of(new Query(sql, params))).get(0);
    }

    /** A query and its parameters, for {@link #all}. */
    public record Query(String sql, Object... params) {
    }

    /**
     * The rows of each query, in order, for one round trip: the driver sends them as one string
     * of statements, and outside a transaction PostgreSQL runs them in one (so they read one state
     * of the database). Each query must return rows and contain no semicolon of its own.
     */
    public List<List<Map<String, Object>>> all(List<Query> queries) {
        List<Query> prefix = takePrefix();
        if (queries.size() > 1) {
            for (Query q : queries) {
                if (q.sql().indexOf(';') >= 0) {
                    throw new IllegalArgumentException("a query sent with others cannot contain a semicolon");
                }
            }
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = prepare(c, prefix, queries)) {
            if (queries.size() == 1 && prefix.isEmpty()) {
                try (ResultSet rs = s.executeQuery()) {
                    return List.of(read(rs));
                }
            }
            s.execute();
            boolean isRows = skip(s, prefix.size());
            List<List<Map<String, Object>>> results = new ArrayList<>();
            for (int i = 0; i < queries.size(); i++) {
                if (!isRows) {
                    throw new IllegalStateException("query " + (i + 1) + " of " + queries.size() + " returned no rows");
                }
                try (ResultSet rs = s.getResultSet()) {
                    results.add(read(rs));
                }
                isRows = s.getMoreResults();
            }
            return results;
        } catch (SQLException e) {
            throw new IllegalStateException(describe(e), e);
        }
    }

    /** The statements as one string, their parameters bound in order. */
    private static PreparedStatement prepare(Connection c, List<Query> prefix, List<Query> queries) throws SQLException {
        StringBuilder text = new StringBuilder();
        List<Object> params = new ArrayList<>();
        for (List<Query> part : List.of(prefix, queries)) {
            for (Query q : part) {
                text.append(text.length() == 0 ? "" : ";\n").append(q.sql());
                params.addAll(java.util.Arrays.asList(q.params()));
            }
        }
        PreparedStatement s = c.prepareStatement(text.toString());
        try {
            bind(c, s, params.toArray());
        } catch (SQLException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Past the results of the statements in front (one each); whether the next result is rows. */
    private static boolean skip(PreparedStatement s, int statements) throws SQLException {
        boolean isRows = s.getResultSet() != null;
        for (int i = 0; i < statements; i++) {
            isRows = s.getMoreResults();
        }
        return isRows;
    }

    private static List<Map<String, Object>> read(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<Map<String, Object>> rows = new ArrayList<>();
        while (rs.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                Object value = rs.getObject(i);
                if (value instanceof Timestamp t) {
                    value = t.toInstant();
                } else if (value instanceof OffsetDateTime o) {
                    value = o.toInstant();
                }
                row.put(meta.getColumnLabel(i), value);
            }
            rows.add(row);
        }
        return rows;
    }

    /** The first column of the first row as a long, if there is one (and it is not null). */
    public Optional<Long> firstLong(String sql, Object... params) {
        List<Map<String, Object>> rows = rows(sql, params);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object value = rows.get(0).values().iterator().next();
        return value == null ? Optional.empty() : Optional.of(((Number) value).longValue());
    }

    /** The first column of every row as longs. */
    public List<Long> longs(String sql, Object... params) {
        return rows(sql, params).stream().map(r -> ((Number) r.values().iterator().next()).longValue()).toList();
    }

    private static void bind(Connection c, PreparedStatement s, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            int index = i + 1;
            if (p == null) {
                s.setNull(index, Types.OTHER);
            } else if (p instanceof Instant instant) {
                s.setObject(index, instant.atOffset(ZoneOffset.UTC));
            } else if (p instanceof String[] texts) {
                s.setArray(index, c.createArrayOf("text", texts));
            } else if (p instanceof Collection<?> values) {
                s.setArray(index, c.createArrayOf("bigint", values.toArray()));
            } else if (p instanceof Enum<?> e) {
                s.setString(index, e.name());
            } else {
                s.setObject(index, p);
            }
        }
    }

    private static String describe(SQLException e) {
        return "Database statement failed (SQLState " + e.getSQLState() + ")";
    }
}
