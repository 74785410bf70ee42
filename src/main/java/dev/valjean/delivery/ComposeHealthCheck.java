package dev.valjean.delivery;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: this instance can compose mail (see {@link ComposeReadiness}); a replica that cannot leaves the Service. */
@Readiness
@ApplicationScoped
public class ComposeHealthCheck implements HealthCheck {

    private final ComposeReadiness readiness;

    public ComposeHealthCheck(ComposeReadiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public HealthCheckResponse call() {
        readiness.recheck();
        Optional<String> problem = readiness.problem();
        var response = HealthCheckResponse.named("Mail composition");
        return problem.map(p -> response.down().withData("missing", p).build()).orElseGet(() -> response.up().build());
    }
}
