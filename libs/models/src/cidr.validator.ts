import { ValidateBy, type ValidationOptions } from 'class-validator';
import { normalizeCidr } from './ip-allowlist';

/** class-validator: each element is an IP address or CIDR that `normalizeCidr` accepts. */
export const IsCidrList = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isCidrList',
      validator: {
        validate: (value: unknown) => {
          if (!Array.isArray(value)) return false;
          try {
            value.forEach((v) => normalizeCidr(String(v)));
            return value.every((v) => typeof v === 'string');
          } catch {
            return false;
          }
        },
        defaultMessage: (args) => {
          const value: unknown = args?.value;
          if (!Array.isArray(value)) return '$property must be an array of IP addresses or CIDRs';
          for (const v of value) {
            try {
              normalizeCidr(String(v));
            } catch (error) {
              return `$property: ${(error as Error).message}`;
            }
          }
          return '$property must contain only strings';
        },
      },
    },
    options,
  );
