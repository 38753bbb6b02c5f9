import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { INVITATION_TOKEN } from './invitation-token.util.js';

const InvitationToken = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  Matches(INVITATION_TOKEN, { message: 'invitation_token must be the token of an invitation mail (inv_...)' })(target, key);
};

const trimLower = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(trimLower) @IsEmail() @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString() @MinLength(8) @MaxLength(128)
  password: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional() @IsString() @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: 'the token of an invitation mail to this email: accepted with the registration' })
  @IsOptional() @InvitationToken()
  invitation_token?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(trimLower) @IsEmail() @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString() @MinLength(1) @MaxLength(128)
  password: string;

  @ApiPropertyOptional({ description: 'the token of an invitation mail to this email: accepted with the login' })
  @IsOptional() @InvitationToken()
  invitation_token?: string;
}

export class AcceptInvitationDto {
  @ApiProperty({ description: 'the token of the invitation mail (inv_...)' })
  @InvitationToken()
  token: string;
}

export class AcceptedInvitationDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() role: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString() @MinLength(1) @MaxLength(128)
  current_password: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString() @MinLength(8) @MaxLength(128)
  new_password: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty() is_platform_admin: boolean;
  @ApiProperty() created_at: string;
}

export class TokenDto {
  @ApiProperty() access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ description: 'seconds' }) expires_in: number;
}

export class RegisterResponseDto {
  @ApiProperty({ type: UserDto }) user: UserDto;
  @ApiProperty() access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty() expires_in: number;
}

export class MembershipSummaryDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty() role: string;
  @ApiProperty() status: string;
}

export class MeDto {
  @ApiProperty({ type: UserDto }) user: UserDto;
  @ApiProperty({ type: [MembershipSummaryDto] }) memberships: MembershipSummaryDto[];
}
