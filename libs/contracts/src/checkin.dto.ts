import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidateNested,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { isRealCalendarDate } from './dates';

/** Field ranges are what a device can plausibly send (DESIGN.md "Check-in"); outside them: 400. */
export const CHECKIN_LIMITS = {
  weightKg: [20, 350],
  systolicBp: [40, 300],
  diastolicBp: [20, 200],
  heartRate: [20, 250],
  respiratoryRate: [4, 60],
  spo2: [50, 100],
  temperatureC: [30, 45],
  glucoseMgDl: [20, 700],
  symptomScale: [0, 4],
  pain: [0, 10],
  mood: [1, 5],
  notesMaxLength: 2000,
  futureToleranceMs: 5 * 60 * 1000,
  maxAgeMs: 30 * 24 * 60 * 60 * 1000,
} as const;

export const QUESTIONNAIRES = {
  'PHQ-9': { items: 9, maxAnswer: 3 },
  'GAD-7': { items: 7, maxAnswer: 3 },
  CAT: { items: 8, maxAnswer: 5 },
} as const;
export type Instrument = keyof typeof QUESTIONNAIRES;
export const INSTRUMENTS = Object.keys(QUESTIONNAIRES) as Instrument[];

export const CONSCIOUSNESS = ['A', 'C', 'V', 'P', 'U'] as const;
export type Consciousness = (typeof CONSCIOUSNESS)[number];
export const ADHERENCE = ['all', 'some', 'none'] as const;

/** ISO-8601 date-time with an explicit offset (`Z` or `±hh:mm`): device time must say its zone. */
export const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Date.parse rolls 30 February over to March; a device clock that says so is wrong. */
@ValidatorConstraint({ name: 'isoDateTimeWithOffset' })
class IsoWithOffset implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && ISO_WITH_OFFSET.test(value) && isRealCalendarDate(value);
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be an ISO-8601 date-time with an offset, e.g. 2026-01-31T08:15:00+01:00`;
  }
}

@ValidatorConstraint({ name: 'diastolicBelowSystolic' })
class DiastolicBelowSystolic implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const systolic = (args.object as VitalsDto).systolicBp;
    if (typeof value !== 'number' || typeof systolic !== 'number') return true;
    return systolic > value;
  }
  defaultMessage(): string {
    return 'diastolicBp must be lower than systolicBp';
  }
}

@ValidatorConstraint({ name: 'questionnaireAnswers' })
class QuestionnaireAnswers implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const spec = QUESTIONNAIRES[(args.object as QuestionnaireDto).instrument as Instrument];
    if (!spec || !Array.isArray(value)) return true; // reported by the instrument / IsArray rules
    return value.length === spec.items && value.every((a) => Number.isInteger(a) && (a as number) >= 0 && (a as number) <= spec.maxAnswer);
  }
  defaultMessage(args: ValidationArguments): string {
    const spec = QUESTIONNAIRES[(args.object as QuestionnaireDto).instrument as Instrument];
    return spec
      ? `answers must be ${spec.items} integers from 0 to ${spec.maxAnswer} for ${(args.object as QuestionnaireDto).instrument}`
      : 'answers are invalid';
  }
}

export class VitalsDto {
  @ApiPropertyOptional({ minimum: 20, maximum: 350, description: 'kg' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(20)
  @Max(350)
  weightKg?: number;

  @ApiPropertyOptional({ minimum: 40, maximum: 300, description: 'mmHg' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(40)
  @Max(300)
  systolicBp?: number;

  @ApiPropertyOptional({ minimum: 20, maximum: 200, description: 'mmHg, lower than systolicBp' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(20)
  @Max(200)
  @Validate(DiastolicBelowSystolic)
  diastolicBp?: number;

  @ApiPropertyOptional({ minimum: 20, maximum: 250, description: 'beats per minute' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(20)
  @Max(250)
  heartRate?: number;

  @ApiPropertyOptional({ minimum: 4, maximum: 60, description: 'breaths per minute' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(4)
  @Max(60)
  respiratoryRate?: number;

  @ApiPropertyOptional({ minimum: 50, maximum: 100, description: 'percent' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(50)
  @Max(100)
  spo2?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  onSupplementalOxygen?: boolean;

  @ApiPropertyOptional({ enum: CONSCIOUSNESS, description: 'ACVPU' })
  @IsOptional()
  @IsIn(CONSCIOUSNESS)
  consciousness?: Consciousness;

  @ApiPropertyOptional({ minimum: 30, maximum: 45, description: '°C' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(30)
  @Max(45)
  temperatureC?: number;

  @ApiPropertyOptional({ minimum: 20, maximum: 700, description: 'mg/dL' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(20)
  @Max(700)
  glucoseMgDl?: number;
}

export class SymptomsDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 4 }) @IsOptional() @IsInt() @Min(0) @Max(4) breathlessness?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 4 }) @IsOptional() @IsInt() @Min(0) @Max(4) swelling?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 4 }) @IsOptional() @IsInt() @Min(0) @Max(4) fatigue?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 4 }) @IsOptional() @IsInt() @Min(0) @Max(4) dizziness?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() chestPain?: boolean;
  @ApiPropertyOptional({ minimum: 0, maximum: 10 }) @IsOptional() @IsInt() @Min(0) @Max(10) pain?: number;
}

export class QuestionnaireDto {
  @ApiProperty({ enum: INSTRUMENTS })
  @IsIn(INSTRUMENTS)
  instrument!: Instrument;

  @ApiProperty({ type: [Number], description: 'PHQ-9: 9 answers 0-3; GAD-7: 7 answers 0-3; CAT: 8 answers 0-5' })
  @IsArray()
  @ArrayMaxSize(9)
  @IsInt({ each: true })
  @Validate(QuestionnaireAnswers)
  answers!: number[];
}

export class MedicationDto {
  @ApiProperty({ enum: ADHERENCE })
  @IsIn(ADHERENCE)
  adherence!: (typeof ADHERENCE)[number];
}

/** The body the app posts and the `data` of `checkin.received`. Patient and tenant come from the token. */
export class CheckInDto {
  @ApiProperty({ format: 'uuid', description: 'Made by the app; the idempotency key' })
  @IsUUID('all')
  checkInId!: string;

  @ApiProperty({ example: '2026-01-31T08:15:00+01:00', description: 'Device time, ISO-8601 with offset' })
  @Validate(IsoWithOffset)
  recordedAt!: string;

  @ApiPropertyOptional({ type: VitalsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => VitalsDto)
  vitals?: VitalsDto;

  @ApiPropertyOptional({ type: SymptomsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SymptomsDto)
  symptoms?: SymptomsDto;

  @ApiPropertyOptional({ type: [QuestionnaireDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @ValidateNested({ each: true })
  @Type(() => QuestionnaireDto)
  questionnaires?: QuestionnaireDto[];

  @ApiPropertyOptional({ type: MedicationDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MedicationDto)
  medication?: MedicationDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  mood?: number;

  @ApiPropertyOptional({ maxLength: 2000, description: 'Free text; protected health information, never logged' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

/** Plain shape of a valid check-in (what goes on the wire). */
export interface CheckIn {
  checkInId: string;
  recordedAt: string;
  vitals?: {
    weightKg?: number;
    systolicBp?: number;
    diastolicBp?: number;
    heartRate?: number;
    respiratoryRate?: number;
    spo2?: number;
    onSupplementalOxygen?: boolean;
    consciousness?: Consciousness;
    temperatureC?: number;
    glucoseMgDl?: number;
  };
  symptoms?: {
    breathlessness?: number;
    swelling?: number;
    fatigue?: number;
    dizziness?: number;
    chestPain?: boolean;
    pain?: number;
  };
  questionnaires?: { instrument: Instrument; answers: number[] }[];
  medication?: { adherence: (typeof ADHERENCE)[number] };
  mood?: number;
  notes?: string;
}

export class CheckInBatchDto {
  @ApiProperty({ type: [CheckInDto], maxItems: 100 })
  items!: CheckInDto[];
}

export const MAX_BATCH_ITEMS = 100;
