import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BatchItemResult, CheckInAccepted, FieldError, MAX_BATCH_ITEMS, ProblemDetails } from '@vigil/contracts';

/* OpenAPI descriptions of the response shapes defined in @vigil/contracts (interfaces carry no metadata). */

export class CheckInAcceptedDto implements CheckInAccepted {
  @ApiProperty({ format: 'uuid' }) checkInId!: string;
  @ApiProperty({ enum: ['accepted'] }) status!: 'accepted';
  @ApiProperty({ format: 'date-time', description: 'When the service first accepted this checkInId (the same on every retry)' })
  receivedAt!: string;
}

export class FieldErrorDto implements FieldError {
  @ApiProperty({ example: 'vitals.spo2' }) path!: string;
  @ApiProperty({ example: 'spo2 must not be greater than 100' }) message!: string;
}

export class ProblemDetailsDto implements ProblemDetails {
  @ApiProperty({ example: 'https://vigil.example/problems/validation' }) type!: string;
  @ApiProperty({ example: 'Invalid request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty() detail!: string;
  @ApiPropertyOptional({ description: 'Also in the x-request-id header' }) requestId?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Every invalid field (validation errors only)' }) errors?: FieldError[];
}

export class BatchItemResultDto implements BatchItemResult {
  @ApiProperty({ description: 'Position of the item in the request' }) index!: number;
  @ApiPropertyOptional({ format: 'uuid' }) checkInId?: string;
  @ApiProperty({ description: 'The status this item would have had alone: 202, 400, 409, 429 or 503', example: 202 }) status!: number;
  @ApiProperty({ oneOf: [{ $ref: '#/components/schemas/CheckInAcceptedDto' }, { $ref: '#/components/schemas/ProblemDetailsDto' }] })
  body!: CheckInAccepted | ProblemDetails;
}

export class BatchResponseDto {
  @ApiProperty({ type: [BatchItemResultDto], maxItems: MAX_BATCH_ITEMS, description: 'One result per item, in request order' })
  results!: BatchItemResult[];
}
