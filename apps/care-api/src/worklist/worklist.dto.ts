import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_CURSOR_LENGTH } from '@vigil/http';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { WorklistContactView, WorklistEntryView, WorklistPage, WorklistPriorityLevel, WorklistReasonView } from '@vigil/contracts';

/** Query of GET /v1/worklist. */
export class WorklistQueryDto {
  @ApiPropertyOptional({ description: 'Only this care team (one of yours, else 404); default: all your teams' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  team?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page (same team): keeps its asOf' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;

  @ApiPropertyOptional({ description: '1 to 500, default 100' })
  @IsOptional()
  @Matches(/^\d{1,3}$/, { message: 'limit must be an integer from 1 to 500' })
  limit?: string;
}

export class WorklistReasonDoc implements WorklistReasonView {
  @ApiProperty({ enum: ['alert', 'score', 'factor', 'trend', 'checkin', 'contact', 'snooze'] }) kind!: WorklistReasonView['kind'];
  @ApiProperty({ description: 'Stable: alert.<rule>, score.level, factor.<code>, trend.rising, checkin.overdue, ...' }) code!: string;
  @ApiProperty({ description: "In a nurse's words" }) text!: string;
  @ApiProperty({ description: 'What it added to the priority (0 for explanations)' }) points!: number;
}

export class WorklistContactDoc implements WorklistContactView {
  @ApiProperty() contactId!: string;
  @ApiProperty() at!: string;
  @ApiProperty({ enum: ['reached', 'no-answer', 'message-left', 'escalated'] }) outcome!: WorklistContactView['outcome'];
  @ApiProperty() by!: string;
}

/** One row of the worklist (the contract's WorklistEntryView, documented). */
export class WorklistEntryDoc implements WorklistEntryView {
  @ApiProperty() patientId!: string;
  @ApiProperty() careTeamId!: string;
  @ApiProperty({ type: [String] }) conditions!: string[];
  @ApiProperty({ minimum: 0, maximum: 100, description: 'Higher is sooner; computed at computedAt' }) priority!: number;
  @ApiProperty({ enum: ['urgent', 'high', 'medium', 'low'] }) level!: WorklistPriorityLevel;
  @ApiProperty({ type: [WorklistReasonDoc], description: 'Most important first' }) reasons!: WorklistReasonDoc[];
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description: 'Unresolved alerts, worst first: alertId, severity, ruleCode, summary, triggeredAt, status',
  })
  openAlerts!: WorklistEntryView['openAlerts'];
  @ApiProperty({ type: 'object', properties: { critical: { type: 'number' }, high: { type: 'number' }, medium: { type: 'number' } } })
  openAlertCounts!: WorklistEntryView['openAlertCounts'];
  @ApiProperty({ type: 'object', nullable: true, properties: { score: { type: 'number' }, level: { type: 'string' }, recordedAt: { type: 'string' } } })
  latestScore!: WorklistEntryView['latestScore'];
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Scores of up to 8 days before the latest, oldest first: { recordedAt, score }' })
  trend!: WorklistEntryView['trend'];
  @ApiProperty({ nullable: true, type: String, description: 'Device time of the last check-in' }) lastCheckInAt!: string | null;
  @ApiProperty() expectedCheckInIntervalHours!: number;
  @ApiProperty({ description: 'Whole expected intervals since the last check-in' }) overdueCheckIns!: number;
  @ApiProperty({ type: WorklistContactDoc, nullable: true }) lastContact!: WorklistContactDoc | null;
  @ApiProperty({ nullable: true, type: String }) snoozedUntil!: string | null;
  @ApiProperty() snoozed!: boolean;
  @ApiProperty({ description: 'The snooze was ended early by something new and worse' }) snoozeBroken!: boolean;
  @ApiProperty({ description: "Increases with every change of the patient's worklist state" }) version!: number;
  @ApiProperty() computedAt!: string;
}

export class WorklistPageDoc implements WorklistPage {
  @ApiProperty({ type: [WorklistEntryDoc], description: 'Not snoozed first, then priority (highest first), then patient id' }) items!: WorklistEntryDoc[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass back as `cursor` (with the same team); null at the end' }) nextCursor!: string | null;
  @ApiProperty({ description: 'The instant the priorities were computed at (later pages keep it)' }) asOf!: string;
  @ApiProperty({ description: 'Active patients of the listed teams in all pages' }) total!: number;
}
