import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsUUID, MaxLength } from 'class-validator';
import { Optional } from '../../../common/src/index.js';
import { MEMBER_ROLES, type MemberRole } from '../../../database/src/index.js';

const trimLower = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class AddMemberDto {
  @ApiProperty({ example: 'jane@example.com' })
  @Transform(trimLower) @IsEmail() @MaxLength(254)
  email: string;

  @ApiPropertyOptional({ enum: MEMBER_ROLES, default: 'member' })
  @Optional() @IsIn(MEMBER_ROLES)
  role?: MemberRole;
}

export class UpdateMemberDto {
  @ApiProperty({ enum: MEMBER_ROLES })
  @IsIn(MEMBER_ROLES)
  role: MemberRole;
}

export class TransferDto {
  @ApiProperty({ format: 'uuid', description: 'an active member of the tenant; becomes its owner, the old owner becomes admin' })
  @IsUUID()
  new_owner_id: string;
}

export class MemberDto {
  @ApiProperty() user_id: string;
  @ApiProperty() email: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ enum: MEMBER_ROLES }) role: MemberRole;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class InvitationDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: MEMBER_ROLES }) role: MemberRole;
  @ApiProperty({ type: String, nullable: true }) invited_by: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() expires_at: string;
}

/** POST .../members: `active` with the membership (the email had an account), or `pending` with the invitation. */
export class AddMemberResultDto {
  @ApiProperty({ enum: ['active', 'pending'] }) status: 'active' | 'pending';
  @ApiPropertyOptional({ type: MemberDto }) member?: MemberDto;
  @ApiPropertyOptional({ type: InvitationDto }) invitation?: InvitationDto;
}

export class MemberListDto {
  @ApiProperty({ type: [MemberDto] }) members: MemberDto[];
  @ApiProperty({ type: [InvitationDto], description: 'pending invitations (they hold seats towards max_members)' }) invitations: InvitationDto[];
  @ApiProperty() total: number;
  @ApiProperty() skip: number;
  @ApiProperty() limit: number;
}
