import { AppException } from '../common/app.exception';

export class AuthException extends AppException {}
export class ApiKeysException extends AppException {}
