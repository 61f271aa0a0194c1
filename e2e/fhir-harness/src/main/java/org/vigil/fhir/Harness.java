package org.vigil.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.RiskAssessment;

/**
 * Vigil's FHIR API seen by HAPI FHIR (issue #23): posts Observations, a PHQ-9 QuestionnaireResponse
 * and a transaction Bundle with HAPI's generic client; reads the Observation and RiskAssessment
 * searches back through HAPI's parser; validates every resource Vigil answers, and the
 * CapabilityStatement, with HAPI's validator against base R4 (and the vital-signs profile where
 * the Observation is a vital sign). Exit 0 only with zero validation errors and every check passed.
 *
 * Environment: INGEST_URL, CARE_URL (service roots), PATIENT_ID, PATIENT_TOKEN, CARE_TOKEN, WAIT_SECONDS.
 */
public final class Harness {
  static final String LOINC = "http://loinc.org";
  static final String UCUM = "http://unitsofmeasure.org";
  static final String VITAL_SIGNS = "http://hl7.org/fhir/StructureDefinition/vitalsigns";
  static final String CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";

  private final FhirContext ctx = FhirContext.forR4();
  private final FhirValidator validator;
  private final String patient;
  private final List<String> failures = new ArrayList<>();
  private int validated;
  private int warnings;

  Harness(String patient) {
    this.patient = patient;
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        new CommonCodeSystemsTerminologyService(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx),
        new SnapshotGeneratingValidationSupport(ctx),
        unknownCodeSystemsWarn());
    validator = ctx.newValidator().registerValidatorModule(new FhirInstanceValidator(chain));
  }

  /** LOINC and SNOMED CT are not loaded here (no terminology server): their codes are warnings, not errors. */
  private UnknownCodeSystemWarningValidationSupport unknownCodeSystemsWarn() {
    UnknownCodeSystemWarningValidationSupport s = new UnknownCodeSystemWarningValidationSupport(ctx);
    s.setNonExistentCodeSystemSeverity(ca.uhn.fhir.context.support.IValidationSupport.IssueSeverity.WARNING);
    return s;
  }

  public static void main(String[] args) throws Exception {
    String ingestUrl = env("INGEST_URL");
    String careUrl = env("CARE_URL");
    Harness h = new Harness(env("PATIENT_ID"));
    long started = System.nanoTime();
    h.run(ingestUrl, careUrl, env("PATIENT_TOKEN"), env("CARE_TOKEN"), Integer.parseInt(System.getenv().getOrDefault("WAIT_SECONDS", "90")));
    System.out.printf("harness: %d resources validated, %d warnings, %d failures, %d ms%n", h.validated, h.warnings, h.failures.size(), (System.nanoTime() - started) / 1_000_000);
    for (String f : h.failures) System.out.println("FAIL " + f);
    System.exit(h.failures.isEmpty() ? 0 : 1);
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing environment variable " + name);
    return v;
  }

  private IGenericClient client(String root, String token) {
    ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    IGenericClient c = ctx.newRestfulGenericClient(root + "/fhir/R4");
    c.setEncoding(EncodingEnum.JSON);
    c.registerInterceptor(new BearerTokenAuthInterceptor(token));
    return c;
  }

  void run(String ingestUrl, String careUrl, String patientToken, String careToken, int waitSeconds) throws InterruptedException {
    IGenericClient ingest = client(ingestUrl, patientToken);
    IGenericClient care = client(careUrl, careToken);
    Instant at = Instant.now().minus(20, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);

    CapabilityStatement cs = ingest.capabilities().ofType(CapabilityStatement.class).execute();
    validate("ingest CapabilityStatement", cs, null);
    check(cs.getRestFirstRep().getResource().stream().anyMatch(r -> r.getType().equals("Observation")), "the CapabilityStatement lists Observation");
    check(cs.getRestFirstRep().getInteraction().stream().anyMatch(i -> i.getCode().toCode().equals("transaction")), "the CapabilityStatement lists transaction");
    validate("care CapabilityStatement", care.capabilities().ofType(CapabilityStatement.class).execute(), null);

    // Observations, one create each (lb and degF are converted by Vigil).
    Observation weight = vital("bodyweight", "29463-7", "Body weight", at, "weight-1").setValue(qty(176.4, "[lb_av]"));
    List<Observation> singles = List.of(
        weight,
        vital("heartrate", "8867-4", "Heart rate", at, "hr-1").setValue(qty(88, "/min")),
        vital("bodytemp", "8310-5", "Body temperature", at, "temp-1").setValue(qty(100.9, "[degF]")),
        oxygen(at));
    String weightId = null;
    for (Observation o : singles) {
      MethodOutcome mo = ingest.create().resource(o).execute();
      check(Boolean.TRUE.equals(mo.getCreated()), "create " + o.getCode().getCodingFirstRep().getCode() + " answers 201 Created");
      validate("created " + o.getCode().getCodingFirstRep().getCode(), mo.getResource(), VITAL_SIGNS);
      if (o == weight) weightId = mo.getId().getIdPart();
    }
    MethodOutcome repeat = ingest.create().resource(weight).execute();
    check(repeat.getId().getIdPart().equals(weightId), "a repeated create gets the same id");

    // A wrong unit: HAPI raises the 4xx, with Vigil's OperationOutcome parsed.
    try {
      ingest.create().resource(vital("heartrate", "8867-4", "Heart rate", at, "hr-bad").setValue(qty(88, "kg"))).execute();
      failures.add("a heart rate in kg was accepted");
    } catch (BaseServerResponseException e) {
      check(e.getStatusCode() == 400, "a heart rate in kg is a 400 (got " + e.getStatusCode() + ")");
      OperationOutcome oo = (OperationOutcome) e.getOperationOutcome();
      check(oo != null && oo.getIssueFirstRep().getExpression().get(0).getValue().equals("Observation.valueQuantity.code"), "the OperationOutcome names the unit");
      if (oo != null) validate("OperationOutcome", oo, null);
    }

    // PHQ-9 by its LOINC codes.
    MethodOutcome qr = ingest.create().resource(phq9(at)).execute();
    check(Boolean.TRUE.equals(qr.getCreated()), "the PHQ-9 QuestionnaireResponse is created");
    validate("created QuestionnaireResponse", qr.getResource(), null);

    // A transaction Bundle: blood pressure panel, respiratory rate, glucose in mmol/L.
    Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Observation bp = vital("bp", "85354-9", "Blood pressure panel with all children optional", at, "bp-1");
    bp.addComponent().setCode(loinc("8480-6", "Systolic blood pressure")).setValue(qty(148, "mm[Hg]"));
    bp.addComponent().setCode(loinc("8462-4", "Diastolic blood pressure")).setValue(qty(92, "mm[Hg]"));
    Observation glucose = new Observation().setStatus(Observation.ObservationStatus.FINAL).setCode(loinc("15074-8", "Glucose [Moles/volume] in Blood"));
    glucose.addCategory().addCoding(new Coding(CATEGORY, "laboratory", "Laboratory"));
    glucose.addIdentifier().setSystem("urn:vigil:harness").setValue("glucose-1");
    glucose.setSubject(new Reference("Patient/" + patient)).setEffective(new DateTimeType(Date.from(at))).setValue(qty(6.2, "mmol/L"));
    for (Observation o : List.of(bp, vital("resprate", "9279-1", "Respiratory rate", at, "rr-1").setValue(qty(22, "/min")), glucose)) {
      tx.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(o).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
    }
    Bundle txResponse = ingest.transaction().withBundle(tx).execute();
    validate("transaction-response", txResponse, null);
    check(txResponse.getEntry().size() == 3 && txResponse.getEntry().stream().allMatch(e -> e.getResponse().getStatus().startsWith("201")), "every transaction entry is 201 Created");

    // Read back: the stored series as Observations (paged), then the risk scores, once the pipeline has them.
    Set<String> expectedCodes = Set.of("29463-7", "8867-4", "8310-5", "2708-6", "85354-9", "9279-1", "2339-0", "44261-6");
    List<Observation> observations = new ArrayList<>();
    List<RiskAssessment> risks = new ArrayList<>();
    long deadline = System.currentTimeMillis() + waitSeconds * 1000L;
    int pages = 0;
    while (true) {
      observations.clear();
      pages = 0;
      Bundle page = care.search().forResource(Observation.class)
          .where(Observation.PATIENT.hasId(patient))
          .and(Observation.DATE.afterOrEquals().second(Date.from(at.minus(1, ChronoUnit.MINUTES))))
          .and(Observation.DATE.beforeOrEquals().second(Date.from(at.plus(1, ChronoUnit.MINUTES))))
          .count(3)
          .returnBundle(Bundle.class).execute();
      while (page != null && pages < 20) {
        pages++;
        for (Bundle.BundleEntryComponent e : page.getEntry()) observations.add((Observation) e.getResource());
        page = page.getLink(Bundle.LINK_NEXT) == null ? null : care.loadPage().next(page).execute();
      }
      Bundle rs = care.search().forResource(RiskAssessment.class).where(RiskAssessment.SUBJECT.hasId(patient)).returnBundle(Bundle.class).execute();
      risks.clear();
      for (Bundle.BundleEntryComponent e : rs.getEntry()) risks.add((RiskAssessment) e.getResource());
      Set<String> codes = new HashSet<>();
      for (Observation o : observations) codes.add(o.getCode().getCodingFirstRep().getCode());
      // Eight check-ins were accepted: every one is scored.
      if ((codes.containsAll(expectedCodes) && risks.size() >= 8) || System.currentTimeMillis() > deadline) {
        check(codes.containsAll(expectedCodes), "the Observation search returns every posted kind " + expectedCodes + " (got " + codes + ")");
        check(risks.size() >= 8, "every accepted check-in has a RiskAssessment (got " + risks.size() + ")");
        break;
      }
      Thread.sleep(500);
    }
    check(pages > 1, "the search was paged through next links (" + pages + " pages)");
    for (Observation o : observations) {
      boolean vital = o.getCategory().stream().anyMatch(c -> c.hasCoding(CATEGORY, "vital-signs"));
      validate("search Observation " + o.getCode().getCodingFirstRep().getCode(), o, vital ? VITAL_SIGNS : null);
      if (o.getCode().getCodingFirstRep().getCode().equals("29463-7")) {
        check(Math.abs(o.getValueQuantity().getValue().doubleValue() - 80.0136) < 0.001 && o.getValueQuantity().getCode().equals("kg"), "176.4 lb is stored as 80.0136 kg");
      }
    }
    for (RiskAssessment r : risks) {
      validate("RiskAssessment", r, null);
      check(r.getMethod().getCodingFirstRep().hasCode() && r.getPredictionFirstRep().getQualitativeRisk().hasCoding(), "a RiskAssessment has its model version and level");
    }
  }

  private Observation vital(String profile, String code, String display, Instant at, String id) {
    Observation o = new Observation().setStatus(Observation.ObservationStatus.FINAL).setCode(loinc(code, display));
    o.getMeta().addProfile("http://hl7.org/fhir/StructureDefinition/" + profile);
    o.addCategory().addCoding(new Coding(CATEGORY, "vital-signs", "Vital Signs"));
    o.addIdentifier().setSystem("urn:vigil:harness").setValue(id + "-" + patient);
    o.setSubject(new Reference("Patient/" + patient)).setEffective(new DateTimeType(Date.from(at)));
    return o;
  }

  private Observation oxygen(Instant at) {
    Observation o = vital("oxygensat", "2708-6", "Oxygen saturation in Arterial blood", at, "spo2-1").setValue(qty(91, "%"));
    o.getCode().addCoding(new Coding(LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"));
    // Inhaled oxygen concentration above room air: on supplemental oxygen. (A flow rate in L/min is not a
    // vital-signs unit of R4's profile, so a component in L/min would not validate against it.)
    o.addComponent().setCode(loinc("3150-0", "Inhaled oxygen concentration")).setValue(qty(28, "%"));
    return o;
  }

  private QuestionnaireResponse phq9(Instant at) {
    String[] items = {"44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"};
    String[] answers = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
    int[] scores = {2, 2, 1, 1, 0, 1, 1, 0, 0};
    QuestionnaireResponse r = new QuestionnaireResponse().setStatus(QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED);
    r.setQuestionnaire("http://loinc.org/q/44249-1");
    r.getIdentifier().setSystem("urn:vigil:harness").setValue("phq9-1-" + patient);
    r.setSubject(new Reference("Patient/" + patient)).setAuthoredElement(new DateTimeType(Date.from(at)));
    for (int i = 0; i < items.length; i++) r.addItem().setLinkId(items[i]).addAnswer().setValue(new Coding(LOINC, answers[scores[i]], null));
    return r;
  }

  private static CodeableConcept loinc(String code, String display) {
    return new CodeableConcept().addCoding(new Coding(LOINC, code, display)).setText(display);
  }

  private static Quantity qty(double value, String ucum) {
    return new Quantity().setValue(value).setUnit(ucum).setSystem(UCUM).setCode(ucum);
  }

  private void check(boolean ok, String what) {
    if (!ok) failures.add(what);
  }

  /** Base R4 always; `profile` (the vital-signs profile) too when given. Errors and fatals fail the run. */
  private void validate(String what, IBaseResource resource, String profile) {
    if (resource == null) {
      failures.add(what + ": no resource in the answer");
      return;
    }
    ValidationOptions options = new ValidationOptions();
    if (profile != null) options.addProfile(profile);
    ValidationResult result = validator.validateWithResult(resource, options);
    validated++;
    for (SingleValidationMessage m : result.getMessages()) {
      if (m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL) {
        failures.add(what + " (" + ((Resource) resource).getIdElement().getIdPart() + "): " + m.getLocationString() + ": " + m.getMessage());
      } else if (m.getSeverity() == ResultSeverityEnum.WARNING) {
        warnings++;
        if (System.getenv("HARNESS_VERBOSE") != null) System.out.println("warning " + what + ": " + m.getLocationString() + ": " + m.getMessage());
      }
    }
  }
}
