import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_CURSOR_LENGTH } from '@vigil/http';
import { IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import {
  News2Summary,
  OBSERVATION_METRICS,
  type ObservationMetric,
  type ObservationPointView as ObservationPointContract,
  type ObservationsPage,
  RiskFactorData,
  RiskLevel,
  type RiskPage,
  type RiskPointView as RiskPointContract,
} from '@vigil/contracts';

const LIMIT = /^\d{1,4}$/;

/** Query of GET /v1/patients/{id}/observations (unknown parameters are a 400). */
export class ObservationsQueryDto {
  @ApiProperty({ enum: OBSERVATION_METRICS })
  @IsIn(OBSERVATION_METRICS as unknown as string[])
  metric!: ObservationMetric;

  @ApiPropertyOptional({ description: 'Inclusive, ISO-8601 (device time). Default: 90 days before `to`.' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ description: 'Exclusive, ISO-8601. Default: now (plus the 5 min of device clock skew ingest accepts).' })
  @IsOptional()
  @IsISO8601()
  to?: string;

  @ApiPropertyOptional({ description: 'Points per page, 1 to 1000. Default 500.' })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be an integer from 1 to 1000' })
  limit?: string;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page (same metric, from, to, order).' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], description: 'Device-time order. Default asc.' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export class ObservationPointView implements ObservationPointContract {
  @ApiProperty({ description: 'Device time' }) recordedAt!: string;
  @ApiProperty() checkInId!: string;
  @ApiProperty() value!: number;
}

export class ObservationsPageView implements ObservationsPage {
  @ApiProperty() patientId!: string;
  @ApiProperty({ enum: OBSERVATION_METRICS }) metric!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [ObservationPointView] }) items!: ObservationPointView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass back as `cursor`; null when the range is exhausted' }) nextCursor!: string | null;
}

/** Query of GET /v1/patients/{id}/risk. */
export class RiskQueryDto {
  @ApiPropertyOptional({ description: 'Inclusive, ISO-8601 (device time of the scored check-in). Default: 90 days before `to`.' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ description: 'Exclusive, ISO-8601. Default: now (+5 min).' })
  @IsOptional()
  @IsISO8601()
  to?: string;

  @ApiPropertyOptional({ description: 'Scores per page, 1 to 1000. Default 200.' })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be an integer from 1 to 1000' })
  limit?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'] })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ description: 'Only scores of this model version (default: every version stored)' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  modelVersion?: string;
}

export class RiskPointView implements RiskPointContract {
  @ApiProperty({ description: 'Device time of the scored check-in' }) recordedAt!: string;
  @ApiProperty() checkInId!: string;
  @ApiProperty() modelVersion!: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) score!: number;
  @ApiProperty({ enum: ['none', 'low', 'medium', 'high', 'critical'] }) level!: RiskLevel;
  @ApiProperty({
    description: 'Contributing factors with code, value, threshold, points and the words a nurse reads',
    type: 'array',
    items: { type: 'object' },
  })
  factors!: RiskFactorData[];
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) news2!: News2Summary | null;
  @ApiProperty() late!: boolean;
  @ApiProperty({ nullable: true, type: String }) scoredAt!: string | null;
}

export class RiskPageView implements RiskPage {
  @ApiProperty() patientId!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [RiskPointView] }) items!: RiskPointView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
