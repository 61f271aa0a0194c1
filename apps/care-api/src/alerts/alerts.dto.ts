import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_CURSOR_LENGTH } from '@vigil/http';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { AlertPage, AlertStatus, AlertView as AlertViewContract, RiskFactorData } from '@vigil/contracts';

/**
 * An alert as care-api answers it: what happened, why (reasons a nurse can act on) and where it stands.
 * The shape is the contract's AlertView (libs/contracts, what the dashboard reads); this class adds the OpenAPI description.
 */
export class AlertView implements AlertViewContract {
  @ApiProperty() alertId!: string;
  @ApiProperty() patientId!: string;
  @ApiProperty() careTeamId!: string;
  @ApiProperty({ enum: ['open', 'acknowledged', 'resolved'] }) status!: AlertStatus;
  @ApiProperty({ enum: ['medium', 'high', 'critical'] }) severity!: string;
  @ApiProperty({ enum: ['none', 'low', 'medium', 'high', 'critical'] }) level!: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) score!: number;
  @ApiProperty({ description: 'Stable rule code, e.g. news2.total, hf.weightGain24h, phq9.item9' }) ruleCode!: string;
  @ApiProperty() modelVersion!: string;
  @ApiPropertyOptional() checkInId?: string;
  @ApiProperty({ description: 'Device time of the cause' }) triggeredAt!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'RiskFactorData[]: code, value, threshold, points, severity, message' })
  reasons!: RiskFactorData[];
  @ApiPropertyOptional() acknowledgedBy?: string;
  @ApiPropertyOptional() acknowledgedAt?: string;
  @ApiPropertyOptional({ description: 'The note given with the acknowledgement (PHI: shown to the team, never logged)' }) acknowledgedNote?: string;
  @ApiPropertyOptional() resolvedBy?: string;
  @ApiPropertyOptional() resolvedAt?: string;
  @ApiPropertyOptional({ description: 'The note given with the resolution, or the note of the contact that resolved it (PHI)' }) resolvedNote?: string;
}

export class AlertPageView implements AlertPage {
  @ApiProperty({ type: [AlertView] }) items!: AlertView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass back as `cursor` (with the same filters); null at the end' }) nextCursor!: string | null;
}

/** Query of GET /v1/alerts. */
export class AlertsQueryDto {
  @ApiPropertyOptional({ description: 'Comma-separated: open, acknowledged, resolved. Default open,acknowledged.', example: 'open' })
  @IsOptional()
  @Matches(/^(open|acknowledged|resolved)(,(open|acknowledged|resolved)){0,2}$/, {
    message: 'status must be a comma-separated list of open, acknowledged, resolved',
  })
  status?: string;

  @ApiPropertyOptional({ description: 'Only this patient (a patient of one of your teams)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  patientId?: string;

  @ApiPropertyOptional({ description: 'Only this care team (one of yours)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  teamId?: string;

  @ApiPropertyOptional({ description: 'triggeredAt >= from (ISO-8601). Resolved alerts default to the last 90 days.' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ description: 'triggeredAt < to (ISO-8601)' })
  @IsOptional()
  @IsISO8601()
  to?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;

  @ApiPropertyOptional({ description: '1 to 200, default 50' })
  @IsOptional()
  @Matches(/^\d{1,3}$/, { message: 'limit must be an integer from 1 to 200' })
  limit?: string;
}

/** Optional body of POST /v1/alerts/{id}/acknowledge and /resolve. */
export class AlertTransitionDto {
  @ApiPropertyOptional({ maxLength: 500, description: 'Free text for the team (PHI: never logged)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

/** Query of GET /v1/alerts/stream. */
export class AlertStreamQueryDto {
  @ApiPropertyOptional({ description: 'Resume position for clients that cannot send the Last-Event-ID header (the header wins)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  lastEventId?: string;

  @ApiPropertyOptional({ description: 'A single-use stream ticket (POST /v1/alerts/stream-tickets), for EventSource: it cannot set headers' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  ticket?: string;

  @ApiPropertyOptional({ description: 'The bearer token in the URL: refused unless the deployment sets SSE_ACCESS_TOKEN_IN_URL=true. Use a ticket.' })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  access_token?: string;
}

/** Answer of POST /v1/alerts/stream-tickets. */
export class StreamTicketView {
  @ApiProperty({ description: 'Open the stream with GET /v1/alerts/stream?ticket=<this>; it works once' }) ticket!: string;
  @ApiProperty({ description: 'Unused after this instant it is refused' }) expiresAt!: string;
}
