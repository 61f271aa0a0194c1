import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CONDITIONS, type Condition } from './patient-profile';

// The profile's shape is runtime-free (patient-profile.ts) so that the dashboard can import its types.
export { CONDITIONS, DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS, type Condition, type PatientProfile } from './patient-profile';

/** Ids are opaque, pseudonymous and URL-safe: patient, team, alert ids, token subjects, path parameters. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** The longest id ID_PATTERN allows (and the longest path parameter the HTTP services route). */
export const ID_MAX_LENGTH = 128;

/** Body of `PUT /v1/patients/{id}` (role care-admin). */
export class PatientProfileDto {
  @ApiProperty({ description: 'The care team that watches this patient' })
  @IsString()
  @Matches(ID_PATTERN)
  @MaxLength(128)
  careTeamId!: string;

  @ApiProperty({ enum: CONDITIONS, isArray: true })
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(4)
  @IsIn(CONDITIONS, { each: true })
  conditions!: Condition[];

  @ApiPropertyOptional({ minimum: 20, maximum: 350, description: 'Target (dry) weight in kg, for heart failure' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(20)
  @Max(350)
  dryWeightKg?: number;

  @ApiProperty({ enum: [1, 2], description: 'NEWS2 SpO2 scale; 2 for hypercapnic respiratory failure' })
  @IsIn([1, 2])
  news2SpO2Scale!: 1 | 2;

  @ApiPropertyOptional({ minimum: 6, maximum: 720, default: 48, description: 'Hours between expected check-ins' })
  @IsOptional()
  @IsInt()
  @Min(6)
  @Max(720)
  expectedCheckInIntervalHours?: number;
}
