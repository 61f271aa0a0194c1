/** Nest injection tokens of the services built in createCareApp (plain classes, provided as values). */
export const ALERTS_SERVICE = Symbol('AlertsService');
export const PATIENTS_SERVICE = Symbol('PatientsService');
export const PATIENT_DATA_SERVICE = Symbol('PatientDataService');
export const ALERT_INGESTOR = Symbol('AlertIngestor');
export const ALERT_FANOUT = Symbol('AlertFanout');
export const AUDIT_SERVICE = Symbol('AuditService');
export const CARE_SETTINGS = Symbol('CareSettings');
export const STREAM_TICKETS = Symbol('StreamTickets');

export interface CareSettings {
  isDraining(): boolean;
}
