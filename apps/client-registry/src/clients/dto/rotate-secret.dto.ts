import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class RotateSecretDto {
  @ApiPropertyOptional({
    description: 'seconds the previous secret stays valid',
    default: 86_400,
    maximum: 2_592_000,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_592_000)
  grace_seconds: number = 86_400;
}
