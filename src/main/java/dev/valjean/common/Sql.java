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

    /** Runs an INSERT, UPDATE or DELETE; the number of rows it touched. */
    public int update(String sql, Object... params) {
        boolean generic = takeGenericPlans();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(generic ? GENERIC_PLANS + ";\n" + sql : sql)) {
            bind(c, s, params);
            if (!generic) {
                return s.executeUpdate();
            }
            s.execute(); // the setting's row, then the statement's count
            s.getMoreResults();
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
        boolean generic = takeGenericPlans();
        if (queries.size() == 1 && !generic) {
            Query q = queries.get(0);
            try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(q.sql())) {
                bind(c, s, q.params());
                try (ResultSet rs = s.executeQuery()) {
                    return List.of(read(rs));
                }
            } catch (SQLException e) {
                throw new IllegalStateException(describe(e), e);
            }
        }
        StringBuilder text = new StringBuilder(generic ? GENERIC_PLANS : "");
        List<Object> params = new ArrayList<>();
        for (Query q : queries) {
            if (queries.size() > 1 && q.sql().indexOf(';') >= 0) {
                throw new IllegalArgumentException("a query sent with others cannot contain a semicolon");
            }
            text.append(text.length() == 0 ? "" : ";\n").append(q.sql());
            params.addAll(java.util.Arrays.asList(q.params()));
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(text.toString())) {
            bind(c, s, params.toArray());
            List<List<Map<String, Object>>> results = new ArrayList<>();
            boolean isRows = s.execute();
            if (generic) {
                isRows = s.getMoreResults(); // past the setting's row
            }
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
