package dev.valjean.sales;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Valjean's strict MQL: a person who explicitly asked to talk to sales and whose company fits the
 * configured firmographic rules. Downloads, page views and webinars never enter into it.
 */
@ApplicationScoped
public class IdealCustomerProfile {

    /** The verdict, with the rules that held or failed. */
    public record Fit(boolean fits, List<String> reasons) {
    }

    private final SalesConfig.Icp icp;

    public IdealCustomerProfile(SalesConfig config) {
        this.icp = config.icp();
    }

    public Fit assess(Map<String, String> firmographics) {
        List<String> reasons = new ArrayList<>();
        boolean anyRule = false;
        boolean fits = true;
        if (icp.industries().isPresent()) {
            anyRule = true;
            String industry = firmographics.getOrDefault("industry", "");
            boolean ok = icp.industries().get().stream().anyMatch(i -> i.equalsIgnoreCase(industry == null ? "" : industry.strip()));
            fits &= ok;
            reasons.add("industry " + (ok ? "fits" : "does not fit") + ": " + industry);
        }
        if (icp.minEmployees().isPresent() || icp.maxEmployees().isPresent()) {
            anyRule = true;
            Integer employees = number(firmographics.get("employees"));
            boolean ok = employees != null && employees >= icp.minEmployees().orElse(0)
                    && employees <= icp.maxEmployees().orElse(Integer.MAX_VALUE);
            fits &= ok;
            reasons.add("employees " + (ok ? "fit" : "do not fit") + ": " + employees);
        }
        if (icp.countries().isPresent()) {
            anyRule = true;
            String country = firmographics.getOrDefault("country", "");
            boolean ok = country != null && icp.countries().get().contains(country.strip().toUpperCase(Locale.ROOT));
            fits &= ok;
            reasons.add("country " + (ok ? "fits" : "does not fit") + ": " + country);
        }
        if (!anyRule) {
            return new Fit(false, List.of("no ideal-customer-profile rules configured"));
        }
        return new Fit(fits, reasons);
    }

    private static Integer number(String s) {
        try {
            return s == null ? null : Integer.valueOf(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
