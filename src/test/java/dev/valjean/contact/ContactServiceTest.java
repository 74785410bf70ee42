package dev.valjean.contact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.common.EmailAddress;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ContactServiceTest {

    static final int ROUNDS = 150;
    static final int RACERS = 4;

    @Inject
    TestData data;
    @Inject
    ContactService contacts;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    /**
     * Several first requests for one new address, released together, must all end on one contact.
     * The contact table has two unique indexes (hash and normalized address); a statement that
     * arbitrates on one of them alone fails with 23505 on the other when two inserts pass the
     * arbiter's check before either has written its index entries.
     */
    @Test
    void concurrent_first_requests_for_one_new_address_meet_on_one_contact() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                EmailAddress address = EmailAddress.parse("race-" + round + "@Example.com");
                CyclicBarrier start = new CyclicBarrier(RACERS);
                List<Future<ContactService.Locked>> answers = new ArrayList<>();
                for (int i = 0; i < RACERS; i++) {
                    answers.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return QuarkusTransaction.requiringNew().call(() -> contacts.lockOrCreate(address));
                    }));
                }
                Set<Long> ids = new HashSet<>();
                int created = 0;
                for (Future<ContactService.Locked> answer : answers) {
                    ContactService.Locked locked = answer.get(30, TimeUnit.SECONDS);
                    assertFalse(locked.gone(), "a new address is not gone");
                    ids.add(locked.id());
                    created += locked.created() ? 1 : 0;
                }
                assertEquals(1, ids.size(), "round " + round + ": every request ends on the same contact");
                assertEquals(1, created, "round " + round + ": one request created it, the others found it");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals((long) ROUNDS, data.count("SELECT count(*) FROM contact WHERE email_normalized LIKE 'race-%'"));
    }

    /** An existing contact is locked, not created again, and one whose address is erased is reported gone. */
    @Test
    void an_existing_contact_is_found_and_an_erased_one_is_gone() throws Exception {
        EmailAddress address = EmailAddress.parse("kept@example.com");
        ContactService.Locked made = QuarkusTransaction.requiringNew().call(() -> contacts.lockOrCreate(address));
        assertTrue(made.created());
        long first = made.id();
        ContactService.Locked again = QuarkusTransaction.requiringNew().call(() -> contacts.lockOrCreate(address));
        assertEquals(first, again.id());
        assertFalse(again.gone());
        assertFalse(again.created());

        data.execute("UPDATE contact SET email = NULL, email_normalized = NULL, name = NULL, erased_at = now() WHERE id = " + first);
        ContactService.Locked erased = QuarkusTransaction.requiringNew().call(() -> contacts.lockOrCreate(address));
        assertEquals(first, erased.id(), "the hash outlives the address");
        assertTrue(erased.gone());
        assertFalse(erased.created());
        assertEquals(1L, data.count("SELECT count(*) FROM contact"));
    }
}
