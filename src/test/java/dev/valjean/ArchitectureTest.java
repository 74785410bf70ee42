package dev.valjean;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import dev.valjean.delivery.ConsentGate;
import dev.valjean.delivery.SmtpRelay;
import dev.valjean.delivery.SmtpSubmitter;

/** The shape that keeps the promises: one way out for mail, through the gate, and rooms that do not lean on features. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.valjean");
    }

    @Test
    void only_the_dispatcher_calls_the_submitter_and_it_asks_the_consent_gate_in_the_same_method() {
        Set<String> callers = new TreeSet<>();
        for (JavaMethodCall call : classes.get(SmtpSubmitter.class).getMethodCallsToSelf()) {
            if (call.getTarget().getName().equals("submit") && !call.getOriginOwner().isEquivalentTo(SmtpSubmitter.class)) {
                callers.add(call.getOriginOwner().getName() + "." + call.getOrigin().getName());
            }
        }
        assertEquals(Set.of("dev.valjean.delivery.Dispatcher.submitAll"), callers, "who hands mail to the submitter");
        // submitAll is reached only from dispatchBatch, which asks the gate before it.
        JavaMethod submitAll = classes.get("dev.valjean.delivery.Dispatcher").getMethods().stream()
                .filter(m -> m.getName().equals("submitAll")).findFirst().orElseThrow();
        Set<String> reachedFrom = new TreeSet<>();
        submitAll.getCallsOfSelf().forEach(c -> reachedFrom.add(c.getOrigin().getName()));
        assertEquals(Set.of("dispatchBatch"), reachedFrom);
        // The overload that does the work (the public ones delegate to it) is the one calling submitAll.
        JavaMethod dispatchBatch = submitAll.getOwner().getMethods().stream()
                .filter(m -> m.getName().equals("dispatchBatch")
                        && m.getMethodCallsFromSelf().stream().anyMatch(c -> c.getName().equals("submitAll")))
                .findFirst().orElseThrow();
        List<JavaMethodCall> calls = dispatchBatch.getMethodCallsFromSelf().stream()
                .sorted((a, b) -> Integer.compare(a.getLineNumber(), b.getLineNumber())).toList();
        int gate = -1;
        int submit = -1;
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).getTargetOwner().isEquivalentTo(ConsentGate.class) && calls.get(i).getName().equals("decide")) {
                gate = gate < 0 ? i : gate;
            }
            if (calls.get(i).getName().equals("submitAll")) {
                submit = i;
            }
        }
        assertTrue(gate >= 0 && submit > gate, "dispatchBatch asks the consent gate before submitting");
    }

    @Test
    void only_the_submitter_uses_the_smtp_client() {
        noClasses().that().doNotHaveSimpleName("SmtpSubmitter").and().doNotHaveSimpleName("SmtpRelay")
                .should().callMethod(SmtpRelay.class, "submit", String.class, String.class, byte[].class)
                .orShould().callMethod(SmtpRelay.class, "submit", String.class, String.class, byte[].class,
                        SmtpRelay.EndOfData.class)
                .orShould().callConstructor(SmtpRelay.class, SmtpRelay.Settings.class)
                .check(classes);
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.quarkus.mailer..", "io.vertx.ext.mail..",
                "io.vertx.mutiny.ext.mail..", "javax.mail..")
                .check(classes);
        // Jakarta Mail reads bounce reports and the bounce mailbox; it has no transport anywhere.
        noClasses().that().resideOutsideOfPackage("dev.valjean.bounce..").should().dependOnClassesThat().resideInAnyPackage("jakarta.mail..")
                .check(classes);
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName("jakarta.mail.Transport").check(classes);
    }

    @Test
    void delivery_mail_and_the_shared_rooms_import_no_feature() {
        String[] features = { "dev.valjean.subscription..", "dev.valjean.issue..", "dev.valjean.nurture..",
                "dev.valjean.crm..", "dev.valjean.form..", "dev.valjean.sales..", "dev.valjean.newsletter..",
                "dev.valjean.privacy..", "dev.valjean.abuse..", "dev.valjean.bounce.." };
        noClasses().that().resideInAnyPackage("dev.valjean.delivery..", "dev.valjean.common..", "dev.valjean.mail..",
                "dev.valjean.auth..", "dev.valjean.contact..", "dev.valjean.consent..")
                .should().dependOnClassesThat().resideInAnyPackage(features)
                .check(classes);
    }

    @Test
    void nurture_renders_with_the_shared_mail_room_not_with_newsletter_issues() {
        noClasses().that().resideInAPackage("dev.valjean.nurture..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.valjean.issue..", "dev.valjean.subscription..")
                .check(classes);
    }

    @Test
    void packages_have_no_cycles() {
        slices().matching("dev.valjean.(*)..").should().beFreeOfCycles().check(classes);
    }
}
