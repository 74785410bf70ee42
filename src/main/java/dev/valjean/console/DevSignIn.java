package dev.valjean.console;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;

import dev.valjean.auth.Person;
import dev.valjean.auth.PersonLinks;
import dev.valjean.auth.Role;
import dev.valjean.mail.Links;
import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/** In dev mode only: an admin to try the console with, and a printed single-use sign-in link. */
public class DevSignIn {

    static final String EMAIL = "dev@valjean.localhost";

    @Transactional
    void onStart(@Observes StartupEvent event, PersonLinks links, Links urls) {
        if (LaunchMode.current() != LaunchMode.DEVELOPMENT) {
            return;
        }
        Person person = Person.findByEmail(EMAIL).orElseGet(() -> {
            Person p = new Person();
            p.email = EMAIL;
            p.emailNormalized = EMAIL;
            p.name = "Dev Admin";
            p.role = Role.ADMIN;
            p.createdAt = Instant.now();
            p.persist();
            return p;
        });
        PersonLinks.Issued link = links.issue(person.id, PersonLinks.Purpose.SIGN_IN, Duration.ofHours(12));
        Log.infof("Console: open %s/console/sign-in/%s to sign in as %s (single use, 12 hours)", urls.base(), link.token(), EMAIL);
    }
}
